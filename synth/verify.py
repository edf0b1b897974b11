"""Verify a claim against the library: retrieve evidence, score it, decide a label.

1. Retrieve: hybrid search for the claim; keep the passages of the best ``TOP_PAPERS`` papers
   (or only of the papers given).
2. Score: cut those passages into sentences (each keeps its span in the paper's full text) and
   score every (claim, sentence) pair with the :mod:`synth.nli` scorer.
3. Decide, per paper, among its sentences similar enough to the claim to bear on it
   (cosine >= ``MIN_SIMILARITY``; none: insufficient): contradicted if its best
   contradiction probability clears ``contradict`` and beats its best entailment;
   supported if its best entailment clears ``support``; else insufficient. The claim takes
   the most confident non-insufficient paper verdict, else insufficient. The thresholds are
   :class:`Thresholds` (0.5 each unless a caller passes others); confidence is the deciding
   probability and is not calibrated yet.

When the claim came from a paper (``source_paper_id``), that paper's own verdict is reported as
``grounded`` and the verdicts of the other papers as ``independent`` (corroborated / contested),
so a claim that only its own source supports is visible as such.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from .chunk import sentence_spans
from .errors import InvalidClaim
from .models import Hit
from .nli import PairScorer
from .search import Searcher

Label = Literal["supported", "contradicted", "insufficient"]
TOP_PAPERS = 3
PASSAGES_PER_PAPER = 3
MAX_CLAIM_CHARS = 1000
# A sentence whose embedding is this far from the claim's does not bear on it, whatever the
# scorer says (on SciFact train, 97% of gold rationale sentences are above it).
MIN_SIMILARITY = 0.25


class Evidence(BaseModel):
    """The best sentence of one paper considered, with that paper's verdict."""

    verdict: Label = "insufficient"
    paper_id: str
    version: int | None
    title: str
    passage_id: str
    page: int | None
    char_start: int = Field(description="span of the quote in the paper's stored full text")
    char_end: int
    quote: str
    entailment: float
    neutral: float
    contradiction: float
    similarity: float = Field(description="cosine of claim and quote embeddings; below "
                              "MIN_SIMILARITY a sentence cannot decide a verdict")


class Verdict(BaseModel):
    claim: str
    label: Label
    confidence: float = Field(ge=0, le=1)
    evidence: list[Evidence] = Field(description="best sentence of each paper considered")
    scorer: str
    grounded: Label | None = None
    independent: Literal["corroborated", "contested", "none"] | None = None


@dataclass
class Timings:
    """Seconds spent, accumulated over calls (for throughput figures)."""

    retrieval: float = 0.0
    scoring: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    support: float = 0.5
    contradict: float = 0.5


def check_claim(claim: str) -> str:
    text = " ".join(claim.split())
    if not text:
        raise InvalidClaim("the claim is empty", "give one checkable statement")
    if len(text) > MAX_CLAIM_CHARS:
        raise InvalidClaim(f"the claim is {len(text)} characters; a claim is one checkable "
                           f"statement of at most {MAX_CLAIM_CHARS}", "split it into claims")
    return text


def evidence_sentences(hits: list[Hit]) -> list[tuple[Hit, int, int, str]]:
    """(hit, start, end, sentence) for every sentence of the hits; start and end are spans of
    the paper's full text, so ``fulltext[start:end] == sentence``."""
    return [(hit, hit.char_start + s, hit.char_start + e, hit.text[s:e])
            for hit in hits for s, e in sentence_spans(hit.text)]


def select_hits(hits: list[Hit], max_papers: int) -> dict[str, list[Hit]]:
    """The best hits grouped by paper: at most ``max_papers`` papers and
    :data:`PASSAGES_PER_PAPER` passages each, in rank order."""
    by_paper: dict[str, list[Hit]] = {}
    for hit in hits:
        if hit.paper_id not in by_paper and len(by_paper) >= max_papers:
            continue
        if len(by_paper.setdefault(hit.paper_id, [])) < PASSAGES_PER_PAPER:
            by_paper[hit.paper_id].append(hit)
    return by_paper


def paper_verdict(rows: list[Evidence], t: Thresholds) -> tuple[Label, float, Evidence]:
    bearing = [r for r in rows if r.similarity >= MIN_SIMILARITY]
    if not bearing:
        best = max(rows, key=lambda r: r.similarity)
        return "insufficient", 1.0, best
    rows = bearing
    best_e = max(rows, key=lambda r: r.entailment)
    best_c = max(rows, key=lambda r: r.contradiction)
    if best_c.contradiction >= t.contradict and best_c.contradiction > best_e.entailment:
        return "contradicted", best_c.contradiction, best_c
    if best_e.entailment >= t.support:
        return "supported", best_e.entailment, best_e
    best = max(rows, key=lambda r: max(r.entailment, r.contradiction))
    return "insufficient", 1.0 - max(best.entailment, best.contradiction), best


def decide(claim: str, per_paper: dict[str, list[Evidence]], scorer: str, t: Thresholds,
           source_paper_id: str | None = None) -> Verdict:
    verdicts = {pid: paper_verdict(rows, t) for pid, rows in per_paper.items() if rows}
    evidence = [v[2].model_copy(update={"verdict": v[0]}) for v in verdicts.values()]
    decided = [(conf, label) for label, conf, _ in verdicts.values() if label != "insufficient"]
    label, conf = ("insufficient", min((v[1] for v in verdicts.values()), default=1.0))
    if decided:
        conf, label = max(decided)
    verdict = Verdict(claim=claim, label=label, confidence=round(float(conf), 4),
                      evidence=evidence, scorer=scorer)
    if source_paper_id is not None:
        own = verdicts.get(source_paper_id)
        others = {v[0] for pid, v in verdicts.items() if pid != source_paper_id}
        verdict.grounded = own[0] if own else "insufficient"
        verdict.independent = ("contested" if "contradicted" in others else
                               "corroborated" if "supported" in others else "none")
    return verdict


def score_evidence(claim: str, searcher: Searcher, scorer: PairScorer, *,
                   paper_ids: list[str] | None = None,
                   timings: Timings | None = None) -> dict[str, list[Evidence]]:
    """Steps 1 and 2: every sentence of the retrieved passages, scored, grouped by paper."""
    claim = check_claim(claim)
    start = time.perf_counter()
    hits = searcher.search(claim, top=30, paper_ids=paper_ids)
    by_paper = select_hits(hits, len(paper_ids) if paper_ids else TOP_PAPERS)
    sentences = evidence_sentences([h for hits in by_paper.values() for h in hits])
    middle = time.perf_counter()
    probs = scorer.score([(claim, text) for _, _, _, text in sentences])
    vectors = searcher.embedder.encode([claim] + [text for _, _, _, text in sentences])
    similarity = vectors[1:] @ vectors[0]
    if timings is not None:
        timings.retrieval += middle - start
        timings.scoring += time.perf_counter() - middle
    per_paper: dict[str, list[Evidence]] = {pid: [] for pid in by_paper}
    for (hit, s, e, text), (pe, pn, pc), sim in zip(sentences, probs, similarity):
        per_paper[hit.paper_id].append(Evidence(
            paper_id=hit.paper_id, version=hit.version, title=hit.title,
            passage_id=hit.passage_id, page=hit.page, char_start=s, char_end=e,
            quote=text, entailment=round(float(pe), 4),
            neutral=round(float(pn), 4), contradiction=round(float(pc), 4),
            similarity=round(float(sim), 4)))
    return per_paper


def verify_claim(claim: str, searcher: Searcher, scorer: PairScorer, *,
                 paper_ids: list[str] | None = None, source_paper_id: str | None = None,
                 thresholds: Thresholds = Thresholds(), timings: Timings | None = None) -> Verdict:
    """Verify one claim; see the module docstring for the steps."""
    per_paper = score_evidence(claim, searcher, scorer, paper_ids=paper_ids, timings=timings)
    return decide(check_claim(claim), per_paper, scorer.name, thresholds, source_paper_id)
