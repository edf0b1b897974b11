"""The retrieve stage of ``synth ask`` (:mod:`synth.pipeline.run`): the papers and passages
that bear on a question.

Search live arXiv for the question (when it cannot be reached, say so and go on with the
library), ingest what it finds with full text, and return the best passages grouped by paper,
each with its paper version, page, character span and similarity to the question (which the
relevance screen reads).
"""

from __future__ import annotations

import logging

from pydantic import BaseModel

from synth.config import Settings
from synth.errors import ArxivUnavailable, EmptyLibrary
from synth.library.ingest import Progress, ingest, no_progress
from synth.records.options import AskSource
from synth.records.papers import Hit
from synth.search.embed import Embedder, embed_missing
from synth.search.hybrid import Searcher
from synth.store.db import Store

log = logging.getLogger(__name__)
PASSAGES_PER_PAPER = 3


class PaperEvidence(BaseModel):
    paper_id: str
    version: int | None
    title: str
    passages: list[Hit]


class Answer(BaseModel):
    question: str
    notes: list[str] = []
    papers: list[PaperEvidence] = []


def ask(store: Store, settings: Settings, embedder: Embedder, question: str, *,
        source: AskSource = "both", max_papers: int = 5,
        progress: Progress = no_progress) -> Answer:
    """The passages that best answer ``question``, at most ``max_papers`` papers."""
    answer = Answer(question=question)
    if source in ("arxiv", "both"):
        try:
            report = ingest(store, settings, [], query=question, max_results=max_papers,
                            progress=progress)
            answer.notes += [f"arXiv: {report.added_count} new papers, "
                             f"{report.unchanged_count} already in the library"]
            answer.notes += [f"not read: {line}" for line in report.failed]
        except ArxivUnavailable as err:
            if source == "arxiv":
                raise
            answer.notes.append(f"arXiv could not be reached ({err.message}); "
                                "answered from the library only")
    embed_missing(store, embedder, lambda d, t: progress("embeddings", d, t))
    try:
        with Searcher(store, embedder, settings.lexical, ann_min=settings.ann_min) as searcher:
            hits = searcher.search(question, top=100)
    except EmptyLibrary as err:  # say why arXiv added nothing, if it did not
        if answer.notes and answer.notes[-1].startswith("arXiv could not be reached"):
            raise EmptyLibrary(f"{answer.notes[-1].split(';')[0]}, and {err.message}",
                               err.hint) from err
        raise
    by_paper: dict[str, PaperEvidence] = {}
    for hit in hits:
        paper = by_paper.get(hit.paper_id)
        if paper is None and len(by_paper) < max_papers:
            paper = by_paper[hit.paper_id] = PaperEvidence(
                paper_id=hit.paper_id, version=hit.version, title=hit.title, passages=[])
        if paper is not None and len(paper.passages) < PASSAGES_PER_PAPER:
            paper.passages.append(hit)
    answer.papers = list(by_paper.values())
    return answer
