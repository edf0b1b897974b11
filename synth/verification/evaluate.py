"""``synth eval scifact``: measure verification on a SciFact-format data set.

The corpus (``corpus.jsonl``: doc_id, title, abstract sentences) is imported into the library
given to :func:`eval_scifact` (use a separate ``--home``), and every labelled claim is verified
by open retrieval over it: no gold documents are given. Metrics, as SciFact defines them:

* claim-level 3-class macro-F1: SUPPORT if some evidence document supports the claim,
  CONTRADICT if some contradicts it, NOT ENOUGH INFO if none is listed (a file may write
  REFUTE for CONTRADICT, as Citation-Integrity's does; any other label is an error);
* abstract-level label-only F1: a predicted (document, label) pair is correct when the
  document is gold evidence for the claim with that label (at most 3 documents per claim);
* retrieval recall: share of claims with evidence whose gold document is among the papers
  considered (top 3);
* expected calibration error (10 equal-width bins) of the verdict confidence against
  correctness of the claim label;
* throughput in claims per second, split into retrieval and scoring seconds, on a library
  as ``synth ingest`` leaves it (the corpus passages embedded first, timed apart).

A claim synth refuses to check (empty, or longer than a claim can be) does not stop the run:
it is counted in ``refused`` and as predicted NOT ENOUGH INFO.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from synth.errors import InvalidClaim, InvalidInput, SnapshotError, shown
from synth.library.snapshot import import_snapshot
from synth.records.verdicts import Verdict
from synth.search.hybrid import Searcher
from synth.store.db import Store
from synth.verification.decide import Decider
from synth.verification.scorers import PairScorer
from synth.verification.verify import Timings, verify_claim

log = logging.getLogger(__name__)
TO_SCIFACT = {"supported": "SUPPORT", "contradicted": "CONTRADICT", "insufficient": "NEI"}
CLASSES = ("SUPPORT", "CONTRADICT", "NEI")
SCIFACT_LABELS = {"SUPPORT": "SUPPORT", "CONTRADICT": "CONTRADICT", "REFUTE": "CONTRADICT"}


class EvalReport(BaseModel):
    claims: int
    refused: int = Field(0, description="claims synth refused to check (empty or too long), "
                         "counted as predicted NOT ENOUGH INFO")
    scorer: str
    macro_f1: float
    f1_by_class: dict[str, float]
    abstract_label_f1: float
    retrieval_recall_top3: float
    ece: float
    claims_per_second: float
    retrieval_seconds: float
    scoring_seconds: float
    ingest_seconds: float | None = Field(None, description="embedding the corpus passages "
                                         "before the first claim (what `synth ingest` does); "
                                         "not part of claims_per_second")
    confusion: dict[str, dict[str, int]]


def gold_label(claim: dict) -> str:
    labels = {s["label"] for sets in claim.get("evidence", {}).values() for s in sets}
    return "SUPPORT" if "SUPPORT" in labels else "CONTRADICT" if "CONTRADICT" in labels else "NEI"


def f1_scores(gold: list[str], pred: list[str],
              classes: tuple[str, ...] = CLASSES) -> dict[str, float]:
    """F1 of each of ``classes`` (SciFact's by default) for gold and predicted labels."""
    out = {}
    for c in classes:
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


def json_objects(path: Path, example: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each non-blank line of a JSON Lines file of labelled data;
    a file that cannot be read, or a line that is not a JSON object, is an
    :class:`InvalidInput` naming it (``example`` shows what a line should be)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        raise InvalidInput(f"cannot read {path}: {err.strerror or err}",
                           f"give a JSON Lines file, each line {example}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, dict):
            raise InvalidInput(f"{path}:{n}: not a JSON object", f"each line is {example}")
        yield n, row


def _scifact_labels(claim: dict, where: str) -> dict:
    """``claim`` with every evidence label in SciFact's words (Citation-Integrity writes
    REFUTE where SciFact writes CONTRADICT); an unknown label is an error, never another."""
    evidence = claim.get("evidence")
    if evidence is None:
        return claim
    try:
        for sets in evidence.values():
            for s in sets:
                label = str(s["label"]).upper()
                if label not in SCIFACT_LABELS:
                    raise InvalidInput(f"{where}: unknown evidence label {shown(s['label'])}",
                                       "use SUPPORT or CONTRADICT (REFUTE)")
                s["label"] = SCIFACT_LABELS[label]
    except (AttributeError, KeyError, TypeError):
        raise InvalidInput(f"{where}: evidence is not {{doc_id: [{{sentences, label}}]}}",
                           "give a SciFact-format claims file") from None
    return claim


def load_claims(path: Path, limit: int | None = None) -> list[dict]:
    """The labelled claims of a SciFact-format claims file (a line without ``evidence``, as in
    SciFact's unlabelled test split, is left out)."""
    claims = [_scifact_labels(claim, f"{path}:{n}") for n, claim in json_objects(
        path, '{"id": ..., "claim": "...", "evidence": {...}}')]
    claims = [c for c in claims if "evidence" in c]  # the test split has no labels
    return claims[:limit] if limit else claims


def eval_scifact(store: Store, searcher_for: Callable[[], Searcher], scorer: PairScorer,
                 corpus: Path, claims_path: Path, *, limit: int | None = None,
                 decider: Decider | None = None,
                 progress: Callable[[int, int], None] | None = None) -> EvalReport:
    imported = import_snapshot(store, corpus)
    if imported.failed and not (imported.added_count or imported.unchanged_count):
        raise SnapshotError(f"no record of {corpus} could be imported: {imported.failed[0]}",
                            "give the folder of a SciFact-format corpus.jsonl")
    began = time.perf_counter()
    searcher = searcher_for()  # embeds the passages ingest left unembedded, as ingest would
    ingest_seconds = time.perf_counter() - began
    claims = load_claims(claims_path, limit)
    timings = Timings()
    start = time.perf_counter()
    verdicts: list[Verdict | None] = []
    for i, claim in enumerate(claims, start=1):
        try:
            verdicts.append(verify_claim(str(claim.get("claim", "")), searcher, scorer,
                                         timings=timings, decider=decider))
        except InvalidClaim as err:  # counted as refused; the others go on
            log.warning("claim %s: %s", claim.get("id"), err)
            verdicts.append(None)
        if progress:
            progress(i, len(claims))
    seconds = time.perf_counter() - start
    return report(claims, verdicts, scorer.name, seconds, timings).model_copy(
        update={"ingest_seconds": round(ingest_seconds, 2)})


def report(claims: list[dict], given: list[Verdict | None], scorer: str, seconds: float,
           timings: Timings) -> EvalReport:
    """The metrics of the module docstring for verdicts of labelled claims. A claim synth
    refused to check (None: empty or too long) counts as predicted NOT ENOUGH INFO and is
    left out of the calibration error, having no confidence."""
    verdicts = [v or Verdict(claim=str(c.get("claim", ""))[:80], label="insufficient",
                             confidence=0.0, evidence=[], scorer=scorer)
                for c, v in zip(claims, given)]
    checked = [v is not None for v in given]
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
        refused=checked.count(False),
        ece=round(expected_calibration_error(
            [v.confidence for v, ok in zip(verdicts, checked) if ok],
            [g == p for g, p, ok in zip(gold, pred, checked) if ok]), 4),
        claims_per_second=round(len(claims) / seconds, 2),
        retrieval_seconds=round(timings.retrieval, 2), scoring_seconds=round(timings.scoring, 2),
        confusion={g: {p: sum(1 for a, b in zip(gold, pred) if a == g and b == p)
                       for p in CLASSES} for g in CLASSES})
