"""Verify a claim against the library: retrieve evidence, score it, decide a label.

1. Retrieve: hybrid search for the claim; keep the passages of the best ``TOP_PAPERS`` papers
   (or only of the papers given).
2. Score: cut those passages into sentences (each keeps its span in the paper's full text),
   keep each paper's ``SENTENCES_PER_PAPER`` sentences sharing most words with the claim, and
   score each (claim, sentence) pair that may decide with the
   :mod:`synth.verification.scorers` scorer. Each sentence carries its passage's embedding
   similarity to the claim, from the search, and the share of the claim's content words it
   contains (``coverage``); only a sentence that clears both gates
   (:func:`synth.verification.decide.can_decide`) may decide, so only those are scored, and
   of a paper with none, its one closest sentence (the paper is insufficient whatever the
   scores, and that sentence is the one shown). The labels are those of scoring every
   sentence (in float32 the confidences too; in bfloat16 a pair's score moves slightly with
   what it is batched with): on SciFact train 24% of the selected sentences clear the gates,
   so a claim costs a third of the pairs and half the time (``bench/verifier_speed.py``).
3. Decide with a :mod:`synth.verification.decide` decider: the default scorer's fitted claim classifier
   (calibrated confidence), or thresholds for other scorers. Each paper gets a verdict from its
   own evidence, and the claim one from all of it.

When the claim came from a paper (``source_paper_id``), that paper's own verdict is reported as
``grounded`` (with its confidence) and the verdicts of the other papers as ``independent``
(corroborated / contested), so a claim that only its own source supports is visible as such.
Corroboration needs the same finding, not the same topic: another paper's supporting sentence
whose numbers all differ from the claim's (:func:`synth.parsing.numbers.numbers_agree`) does
not corroborate it.
A ``quoted`` claim is its paper's own sentence, verbatim: its paper is not scored (a paper
never contradicts its own sentence; ``grounded`` is "supported"), and its label is what the
other papers say.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from synth.errors import InvalidClaim
from synth.parsing.chunk import sentence_spans
from synth.parsing.numbers import numbers_agree
from synth.records.papers import Hit
from synth.records.verdicts import Evidence, Verdict
from synth.search.hybrid import Searcher, tokens
from synth.verification.decide import Decider, Thresholds, can_decide
from synth.verification.scorers import PairScorer

TOP_PAPERS = 3
PASSAGES_PER_PAPER = 3
# Sentences scored per paper, those sharing most words with the claim. On SciFact train this
# keeps a gold rationale sentence for 92% of gold abstracts (all sentences: 96%) and costs
# 0.005 macro-F1, for 28% fewer pairs to score (training/README.md).
SENTENCES_PER_PAPER = 6
MAX_CLAIM_CHARS = 1000


@dataclass
class Timings:
    """Seconds spent, accumulated over calls (for throughput figures)."""

    retrieval: float = 0.0
    scoring: float = 0.0


def check_claim(claim: str) -> str:
    text = " ".join(claim.split())
    if not text:
        raise InvalidClaim("the claim is empty", "give one checkable statement")
    if len(text) > MAX_CLAIM_CHARS:
        raise InvalidClaim(f"the claim is {len(text)} characters; a claim is one checkable "
                           f"statement of at most {MAX_CLAIM_CHARS}", "split it into claims")
    return text


def evidence_sentences(claim: str, hits: list[Hit]) -> list[tuple[Hit, int, int, str]]:
    """(hit, start, end, sentence) for the sentences of one paper's hits that share the most
    content words with the claim (at most :data:`SENTENCES_PER_PAPER`, in text order); start
    and end are spans of the paper's full text, so ``fulltext[start:end] == sentence``."""
    words = set(tokens(claim))
    found = [(hit, hit.char_start + s, hit.char_start + e, hit.text[s:e])
             for hit in hits for s, e in sentence_spans(hit.text)]
    overlap = [len(words & own) / (len(own) ** 0.3 + 1)
               for own in (set(tokens(text)) for *_, text in found)]
    keep = sorted(sorted(range(len(found)), key=lambda i: -overlap[i])[:SENTENCES_PER_PAPER])
    return [found[i] for i in keep]


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


RULES = "2: corroboration needs agreeing numbers"
"""What :func:`decide` does, named: part of a stored verdict's key, so that a change of these
rules re-decides stored verdicts instead of reusing them."""


def decide(claim: str, per_paper: dict[str, list[Evidence]], scorer: str, decider: Decider,
           source_paper_id: str | None = None, quoted: bool = False) -> Verdict:
    """The verdict from the scored evidence; ``quoted``: the claim is ``source_paper_id``'s
    own sentence, so that paper's evidence is left out and it is grounded by construction."""
    if quoted:
        per_paper = {pid: rows for pid, rows in per_paper.items() if pid != source_paper_id}
    verdicts = {pid: decider.paper(rows) for pid, rows in per_paper.items() if rows}
    evidence = [row.model_copy(update={"verdict": label}) for label, _, row in verdicts.values()]
    label, conf = decider.claim(per_paper) if verdicts else ("insufficient", 1.0)
    verdict = Verdict(claim=claim, label=label, confidence=round(float(conf), 4),
                      evidence=evidence, scorer=scorer)
    if source_paper_id is not None:
        own = verdicts.get(source_paper_id)
        others = [v for pid, v in verdicts.items() if pid != source_paper_id]
        if quoted:
            verdict.grounded = "supported"
        else:
            verdict.grounded = own[0] if own else "insufficient"
            verdict.grounded_confidence = round(float(own[1]), 4) if own else None
        verdict.independent = (
            "contested" if any(label == "contradicted" for label, _, _ in others) else
            "corroborated" if any(label == "supported" and numbers_agree(claim, row.quote)
                                  for label, _, row in others) else "none")
    return verdict


@dataclass(frozen=True)
class Candidate:
    """A sentence selected for a claim, before scoring: its hit, span, text and gates."""

    hit: Hit
    start: int
    end: int
    text: str
    similarity: float
    coverage: float


def worth_scoring(candidates: list[Candidate]) -> list[Candidate]:
    """The sentences that may decide, and of each paper with none its closest one (by
    coverage, then similarity), in their order."""
    keep = {id(c) for c in candidates if can_decide(c.similarity, c.coverage)}
    papers_with = {c.hit.paper_id for c in candidates if id(c) in keep}
    closest: dict[str, Candidate] = {}
    for c in candidates:
        if c.hit.paper_id not in papers_with:
            best = closest.get(c.hit.paper_id)
            if best is None or (c.coverage, c.similarity) > (best.coverage, best.similarity):
                closest[c.hit.paper_id] = c
    keep |= {id(c) for c in closest.values()}
    return [c for c in candidates if id(c) in keep]


def score_evidence(claim: str, searcher: Searcher, scorer: PairScorer, *,
                   paper_ids: list[str] | None = None, max_papers: int | None = None,
                   timings: Timings | None = None,
                   score_all: bool = False) -> dict[str, list[Evidence]]:
    """Steps 1 and 2: the retrieved papers' evidence sentences, scored, grouped by paper.
    Papers considered: at most ``max_papers``, by default all of ``paper_ids`` when given,
    else :data:`TOP_PAPERS`. Scored: the sentences that may decide, and a paper's closest one
    where none may (:func:`worth_scoring`); ``score_all``: every selected sentence (for
    studies of the gates themselves)."""
    claim = check_claim(claim)
    start = time.perf_counter()
    hits = searcher.search(claim, top=30, paper_ids=paper_ids)
    by_paper = select_hits(hits, max_papers or (len(paper_ids) if paper_ids else TOP_PAPERS))
    words = set(tokens(claim))
    candidates = [Candidate(hit, s, e, text,
                            hit.similarity if hit.similarity is not None else 1.0,
                            round(len(words & set(tokens(text))) / max(len(words), 1), 4))
                  for paper_hits in by_paper.values()
                  for hit, s, e, text in evidence_sentences(claim, paper_hits)]
    if not score_all:
        candidates = worth_scoring(candidates)
    middle = time.perf_counter()
    probs = scorer.score([(claim, c.text) for c in candidates])
    if timings is not None:
        timings.retrieval += middle - start
        timings.scoring += time.perf_counter() - middle
    per_paper: dict[str, list[Evidence]] = {pid: [] for pid in by_paper}
    for c, (pe, pn, pc) in zip(candidates, probs):
        hit = c.hit
        per_paper[hit.paper_id].append(Evidence(
            paper_id=hit.paper_id, version=hit.version, title=hit.title,
            passage_id=hit.passage_id, page=hit.page, char_start=c.start, char_end=c.end,
            quote=c.text, entailment=round(float(pe), 4),
            neutral=round(float(pn), 4), contradiction=round(float(pc), 4),
            similarity=c.similarity, coverage=c.coverage))
    return per_paper


def verify_claim(claim: str, searcher: Searcher, scorer: PairScorer, *,
                 paper_ids: list[str] | None = None, source_paper_id: str | None = None,
                 quoted: bool = False, decider: Decider | None = None,
                 timings: Timings | None = None) -> Verdict:
    """Verify one claim; see the module docstring for the steps. Without a ``decider``, the
    scorer's own (``scorer.decider``) is used, else :class:`~synth.verification.decide.Thresholds`.
    ``quoted`` (with ``source_paper_id``): the claim is that paper's sentence, verbatim; only
    the other papers are scored."""
    quoted = quoted and source_paper_id is not None
    if quoted and paper_ids is not None:
        others = [pid for pid in paper_ids if pid != source_paper_id]
        per_paper = score_evidence(claim, searcher, scorer, paper_ids=others,
                                   timings=timings) if others else {}
    else:
        per_paper = score_evidence(claim, searcher, scorer, paper_ids=paper_ids, timings=timings)
    decider = decider or getattr(scorer, "decider", None) or Thresholds()
    return decide(check_claim(claim), per_paper, scorer.name, decider, source_paper_id, quoted)
