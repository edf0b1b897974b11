"""What both claim extractors read: a paper's readable passages (references, related work,
acknowledgements and appendices skipped), its sentences with their exact full-text spans and
their claim-cue and question-relevance scores, and the stable ids of extractions and claims.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from synth.claims.cues import SKIP_SECTIONS, claim_cues
from synth.config import Settings
from synth.errors import ParseError, UnknownPaper, shown
from synth.library.arxiv_ids import canonical_id, looks_like_arxiv_id
from synth.parsing.chunk import paragraph_blocks, sentence_spans
from synth.parsing.numbers import quantities
from synth.records.papers import Paper, Passage
from synth.search.question import acronyms, held_terms, question_acronyms, terms
from synth.store.db import Store

MIN_CUES = 1.0
RELEVANCE_WEIGHT = 2.0
MIN_RELEVANCE = 0.2
MIN_RESULT_CUES = 1.75  # a result with a comparison or a number, say


@dataclass(frozen=True)
class Sentence:
    """A sentence of the full text (``start``/``end`` in full-text offsets) and its scores."""

    passage: Passage
    start: int
    end: int
    text: str
    cues: float
    excluded: str | None
    relevance: float

    @property
    def rank_key(self) -> float:
        return self.cues + RELEVANCE_WEIGHT * self.relevance


def clean(text: str) -> str:
    """A span's text as one line: line-break hyphenation between lowercase letters undone,
    whitespace collapsed."""
    return " ".join(re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text).split())


def sentences(fulltext: str, passages: list[Passage], question: str | None) -> list[Sentence]:
    """Every sentence of the passages (split at paragraph breaks too), scored."""
    wanted = terms(question) if question else set()
    defined = {**question_acronyms(question), **acronyms(fulltext)} if question else {}
    out = []
    spans = ((start, end, passage) for passage in passages
             for block in paragraph_blocks(fulltext, offset=passage.char_start,
                                           end=passage.char_end)
             for start, end in sentence_spans(fulltext, block.start, block.end))
    for start, end, passage in spans:
        text = clean(fulltext[start:end])
        cues = claim_cues(text)
        relevance = len(wanted & held_terms(text, defined)) / len(wanted) if wanted else 0.0
        out.append(Sentence(passage, start, end, text, cues.score, cues.excluded, relevance))
    return out


def select(candidates: list[Sentence], question: str | None, limit: int,
           fill_results: bool = False) -> list[Sentence]:
    """The claim-bearing sentences, best ``limit`` of them, back in reading order. With a
    question, only those sharing enough of its words; with ``fill_results`` (the ask pipeline,
    for papers the screen kept), when they are fewer than ``limit``, the paper's other results
    (:data:`MIN_RESULT_CUES`) fill the rest: a paper
    kept for the question reports its findings in its own words ("the SLT group"), and the
    answer stage judges how far each bears on the question. When no sentence chosen so far
    shares enough of the question's words, its sentences that state a number and do are
    added ("Twenty-nine patients were found to have acute hepatitis C" beside a comparison of
    groups), or, when none of its sentences is claim-like enough, any that state a number (a
    short abstract of counts: "4 of 90 pterygia harboured HPV.")."""
    claims = [s for s in candidates if s.excluded is None and s.cues >= MIN_CUES]
    kept = [s for s in claims if not question or s.relevance >= MIN_RELEVANCE]
    best = sorted(kept, key=lambda s: (-s.rank_key, s.start))[:limit]
    if question and fill_results and len(best) < limit:
        results = [s for s in claims if s.relevance < MIN_RELEVANCE and s.cues >= MIN_RESULT_CUES]
        best += sorted(results, key=lambda s: (-s.rank_key, s.start))[:limit - len(best)]
    if question and fill_results and not any(s.relevance >= MIN_RELEVANCE for s in best):
        chosen = {s.start for s in best}
        counts = [s for s in stating_numbers(candidates) if s.start not in chosen
                  and (not best or s.relevance >= MIN_RELEVANCE)]
        best += sorted(counts, key=lambda s: (-s.rank_key, s.start))[:limit - len(best)]
    return sorted(best, key=lambda s: s.start)


def stating_numbers(candidates: list[Sentence]) -> list[Sentence]:
    """The sentences that may be claims and state a number: what stands in for the claims of
    a text none of whose sentences reads as one (a short abstract of plain counts)."""
    return [s for s in candidates if s.excluded is None and quantities(s.text)]


def readable_passages(store: Store, paper: Paper) -> tuple[str, list[Passage]]:
    """The paper's full text and the passages worth reading for claims."""
    fulltext = store.fulltext(paper.id) or ""
    passages = [p for p in store.paper_passages(paper.id)
                if not (p.section and SKIP_SECTIONS.search(p.section))]
    if not fulltext.strip() or not passages:
        raise ParseError(f"paper {paper.id} has no stored text to extract claims from",
                         "see `synth library` for its parse problems, or re-ingest it")
    return fulltext, passages


def resolve_paper(store: Store, settings: Settings, paper_id: str, fetch: bool = True) -> Paper:
    """A stored paper by id, or the latest stored version of a base id; an arXiv id not yet in
    the library is ingested first (with its PDF) when ``fetch`` is set."""
    paper = store.get_paper(paper_id) or store.latest_version(paper_id)
    if paper is None and looks_like_arxiv_id(paper_id):
        paper_id = canonical_id(paper_id)
        paper = store.get_paper(paper_id) or store.latest_version(paper_id)
        if paper is None and fetch:
            from synth.library.ingest import ingest

            report = ingest(store, settings, [paper_id])
            if report.failed:
                raise UnknownPaper(f"could not add {paper_id}: {report.failed[0]}")
            paper = store.get_paper(paper_id) or store.latest_version(paper_id)
    if paper is None:
        raise UnknownPaper(f"{shown(paper_id)} is not in the library",
                           "add it with `synth ingest`, or check `synth search` for its id")
    return paper


def extraction_id(paper_id: str, question: str | None, extractor: str, model: str | None,
                  template: str | None) -> str:
    key = json.dumps([paper_id, question or "", extractor, model or "", template or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def claim_id(extraction: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{extraction}|{start}|{end}|{text}".encode()).hexdigest()[:16]
