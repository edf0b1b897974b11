"""Claim extraction: a stored paper (and a question, optionally) → claims with exact spans.

:func:`extract` is the library function behind ``synth extract`` and the ask pipeline. It
reads the paper's stored passages (references, related work, acknowledgements and appendices
are skipped) and runs one of two extractors:

- **offline** (the default with no LLM configured): deterministic. Every sentence is scored
  for claim cues (:mod:`synth.claims.cues`: results, comparisons, numbers, stated limitations) and,
  given a question, for the share of the question's content words it contains. Sentences
  with enough cues (and, with a question, some bearing on it) become claims, best first, each
  claim its own verbatim sentence with its exact span.
- **llm** (:mod:`synth.claims.llm`): the passages the offline scores rank highest go to the
  configured LLM, which proposes claims with quotes; each quote is checked in code
  (:mod:`synth.claims.quotes`) and the claim dropped and counted if it does not occur.

Both read the sentences of :mod:`synth.claims.sentences`. Either way a claim's span comes
from :func:`synth.claims.quotes.locate`, never from a model, and
the stored ``quote`` is the full text at that span, which the store checks again on write.
"""

from __future__ import annotations

from typing import Literal

from synth.claims.cues import claim_type
from synth.claims.sentences import (
    claim_id,
    extraction_id,
    readable_passages,
    resolve_paper,
    select,
    sentences,
)
from synth.config import Settings
from synth.errors import ConfigError
from synth.parsing.numbers import quantities
from synth.records.claims import Claim, Extraction, ExtractionStats
from synth.records.papers import Paper, Passage
from synth.store.db import Store

ExtractorName = Literal["auto", "offline", "llm"]
MAX_CLAIMS = 20


def offline_claims(paper: Paper, fulltext: str, passages: list[Passage], question: str | None,
                   limit: int, eid: str,
                   fill_results: bool = False) -> tuple[list[Claim], ExtractionStats]:
    found = sentences(fulltext, passages, question)
    chosen = select(found, question, limit, fill_results)
    claims = [Claim(id=claim_id(eid, s.start, s.end, s.text), paper_id=paper.id,
                    passage_id=s.passage.id, page=s.passage.page, char_start=s.start,
                    char_end=s.end, quote=fulltext[s.start:s.end], text=s.text,
                    claim_type=claim_type(s.text), numbers=quantities(s.text),
                    extractor="offline") for s in chosen]
    stats = ExtractionStats(passages=len(passages), sentences=len(found), proposed=len(claims),
                            passed_first_try=len(claims))
    return claims, stats


def choose_extractor(name: ExtractorName, settings: Settings) -> Literal["offline", "llm"]:
    if name == "llm" and not settings.llm_configured:
        raise ConfigError("the llm extractor needs an LLM",
                          "set SYNTH_LLM_BASE_URL and SYNTH_LLM_MODEL, or use --extractor offline")
    if name == "auto":
        return "llm" if settings.llm_for("extract") else "offline"
    return name


def extract(store: Store, settings: Settings, paper_id: str, question: str | None = None, *,
            extractor: ExtractorName = "auto", max_claims: int = MAX_CLAIMS,
            max_passages: int | None = None, llm: object | None = None,
            fill_results: bool = False) -> Extraction:
    """Extract claims from one paper and store them (replacing an earlier run of the same
    paper, question, extractor, model and prompt). ``llm`` overrides the configured one;
    ``fill_results``: offline, fill up to ``max_claims`` with the paper's other results
    (:func:`synth.claims.sentences.select`)."""
    paper = resolve_paper(store, settings, paper_id)
    fulltext, passages = readable_passages(store, paper)
    question = question.strip() if question and question.strip() else None
    kind = "llm" if llm is not None else choose_extractor(extractor, settings)
    if kind == "offline":
        eid = extraction_id(paper.id, question, "offline", None,
                            "fill-results" if fill_results else None)
        claims, stats = offline_claims(paper, fulltext, passages, question, max_claims, eid,
                                       fill_results)
        result = Extraction(id=eid, paper_id=paper.id, question=question, extractor="offline",
                            claims=claims, stats=stats)
    else:
        from synth.claims.llm import llm_extraction

        result = llm_extraction(store, settings, paper, fulltext, passages, question,
                                max_claims=max_claims, max_passages=max_passages, llm=llm)
    store.save_extraction(result)
    return result
