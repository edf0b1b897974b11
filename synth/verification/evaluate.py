"""``synth eval scifact``: measure verification on a SciFact-format data set.

The corpus (``corpus.jsonl``: doc_id, title, abstract sentences) is imported into the library
given to :func:`eval_scifact` (use a separate ``--home``), and every labelled claim is verified
by open retrieval over it: no gold documents are given. Metrics, as SciFact defines them:

* claim-level 3-class macro-F1: SUPPORT if some evidence document supports the claim,
  CONTRADICT if some contradicts it, NOT ENOUGH INFO if none is listed;
* abstract-level label-only F1: a predicted (document, label) pair is correct when the
  document is gold evidence for the claim with that label (at most 3 documents per claim);
* retrieval recall: share of claims with evidence whose gold document is among the papers
  considered (top 3);
* expected calibration error (10 equal-width bins) of the verdict confidence against
  correctness of the claim label;
* throughput in claims per second, split into retrieval and scoring seconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from synth.library.snapshot import import_snapshot
from synth.records.verdicts import Verdict
from synth.search.hybrid import Searcher
from synth.store.db import Store
from synth.verification.decide import Decider
from synth.verification.scorers import PairScorer
from synth.verification.verify import Timings, verify_claim

TO_SCIFACT = {"supported": "SUPPORT", "contradicted": "CONTRADICT", "insufficient": "NEI"}
CLASSES = ("SUPPORT", "CONTRADICT", "NEI")


class EvalReport(BaseModel):
    claims: int
    scorer: str
    macro_f1: float
    f1_by_class: dict[str, float]
    abstract_label_f1: float
    retrieval_recall_top3: float
    ece: float
    claims_per_second: float
    retrieval_seconds: float
    scoring_seconds: float
    confusion: dict[str, dict[str, int]]


def gold_label(claim: dict) -> str:
    labels = {s["label"] for sets in claim.get("evidence", {}).values() for s in sets}
    return "SUPPORT" if "SUPPORT" in labels else "CONTRADICT" if "CONTRADICT" in labels else "NEI"


def f1_scores(gold: list[str], pred: list[str]) -> dict[str, float]:
    out = {}
    for c in CLASSES:
        tp = sum(g == p == c for g, p in zip(gold, pred))
        fp = sum(p == c != g for g, p in zip(gold, pred))
        fn = sum(g == c != p for g, p in zip(gold, pred))
        out[c] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def abstract_label_f1(claims: list[dict], verdicts: list[Verdict]) -> float:
    gold = {(c["id"], doc, sets[0]["label"]) for c in claims
            for doc, sets in c.get("evidence", {}).items()}
    pred = {(c["id"], e.paper_id, TO_SCIFACT[e.verdict]) for c, v in zip(claims, verdicts)
            for e in v.evidence if e.verdict != "insufficient"}
    correct = len(gold & pred)
    if not correct:
        return 0.0
    precision, recall = correct / len(pred), correct / len(gold)
    return 2 * precision * recall / (precision + recall)


def expected_calibration_error(confidence: list[float], correct: list[bool], bins: int = 10) -> float:
    conf, ok = np.asarray(confidence), np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs(conf[inside].mean() - ok[inside].mean())
    return float(ece)


def load_claims(path: Path, limit: int | None = None) -> list[dict]:
    claims = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    claims = [c for c in claims if "evidence" in c]  # the test split has no labels
    return claims[:limit] if limit else claims


def eval_scifact(store: Store, searcher_for: Callable[[], Searcher], scorer: PairScorer,
                 corpus: Path, claims_path: Path, *, limit: int | None = None,
                 decider: Decider | None = None,
                 progress: Callable[[int, int], None] | None = None) -> EvalReport:
    import_snapshot(store, corpus)
    searcher = searcher_for()
    claims = load_claims(claims_path, limit)
    timings = Timings()
    start = time.perf_counter()
    verdicts = []
    for i, claim in enumerate(claims, start=1):
        verdicts.append(verify_claim(claim["claim"], searcher, scorer, timings=timings,
                                     decider=decider))
        if progress:
            progress(i, len(claims))
    seconds = time.perf_counter() - start
    return report(claims, verdicts, scorer.name, seconds, timings)


def report(claims: list[dict], verdicts: list[Verdict], scorer: str, seconds: float,
           timings: Timings) -> EvalReport:
    """The metrics of the module docstring for verdicts of labelled claims."""
    gold = [gold_label(c) for c in claims]
    pred = [TO_SCIFACT[v.label] for v in verdicts]
    by_class = f1_scores(gold, pred)
    with_evidence = [(c, v) for c, v in zip(claims, verdicts) if c.get("evidence")]
    found = sum(any(e.paper_id in c["evidence"] for e in v.evidence) for c, v in with_evidence)
    return EvalReport(
        claims=len(claims), scorer=scorer,
        macro_f1=round(sum(by_class.values()) / 3, 4),
        f1_by_class={k: round(v, 4) for k, v in by_class.items()},
        abstract_label_f1=round(abstract_label_f1(claims, verdicts), 4),
        retrieval_recall_top3=round(found / max(len(with_evidence), 1), 4),
        ece=round(expected_calibration_error([v.confidence for v in verdicts],
                                             [g == p for g, p in zip(gold, pred)]), 4),
        claims_per_second=round(len(claims) / seconds, 2),
        retrieval_seconds=round(timings.retrieval, 2), scoring_seconds=round(timings.scoring, 2),
        confusion={g: {p: sum(1 for a, b in zip(gold, pred) if a == g and b == p)
                       for p in CLASSES} for g in CLASSES})
