"""Turn scored evidence into verdicts: one per paper, and one for the claim.

Two deciders share one interface (:class:`Decider`):

* :class:`ClaimClassifier`, used with the default scorer: a multinomial logistic regression over
  a few summary features of the evidence (:func:`evidence_features`: best entailment and
  contradiction probabilities, their runners-up, how many sentences clear 0.5, retrieval
  similarity), then temperature scaling, so its confidence is a probability of being right
  that was fitted on held-in data. The claim verdict reads the features of all papers'
  evidence pooled; each paper's verdict reads that paper's alone. Fitted by
  ``training.fitting.fit_claim_decider`` (called by ``python -m training.verifier``), stored
  in the adapter file's metadata; applying it needs numpy only.
* :class:`Thresholds`, for other scorers (which come with no fitted decider): contradicted if the
  best contradiction probability clears ``contradict`` and beats the best entailment; supported
  if the best entailment clears ``support``; else insufficient. Its confidence is the deciding
  probability, not calibrated.

Only sentences of passages whose embedding is at least ``MIN_SIMILARITY`` from the claim's, and
that contain at least ``MIN_COVERAGE`` of the claim's content words, can decide anything; a
paper (or claim) with none is insufficient (the gates are in :mod:`synth.records.verdicts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from synth.errors import ModelError
from synth.records.verdicts import MIN_COVERAGE, MIN_SIMILARITY, VERDICTS, Evidence, Label
from synth.verification.scorers import softmax

FEATURES = ("max_entail", "max_contradict", "second_entail", "second_contradict",
            "entail_of_best_contradict", "contradict_of_best_entail", "n_entail", "n_contradict",
            "max_similarity", "no_bearing")


class Decider(Protocol):
    name: str

    def paper(self, rows: list[Evidence]) -> tuple[Label, float, Evidence]:
        """A paper's verdict, its confidence and the sentence that decided it."""
        ...

    def claim(self, per_paper: dict[str, list[Evidence]]) -> tuple[Label, float]:
        ...


def can_decide(similarity: float, coverage: float) -> bool:
    """Whether a sentence may decide: its passage close enough to the claim in meaning
    (``similarity``) and the sentence in words (``coverage``, the share of the claim's
    content words it holds)."""
    return similarity >= MIN_SIMILARITY and coverage >= MIN_COVERAGE


def bearing(rows: list[Evidence]) -> list[Evidence]:
    """The sentences that may decide (:func:`can_decide`)."""
    return [r for r in rows if can_decide(r.similarity, r.coverage)]


def evidence_features(rows: list[Evidence]) -> list[float]:
    """:data:`FEATURES` of a set of scored sentences (one paper's, or several pooled)."""
    rows = bearing(rows)
    if not rows:
        return [0.0] * (len(FEATURES) - 1) + [1.0]
    e = sorted((r.entailment for r in rows), reverse=True) + [0.0]
    c = sorted((r.contradiction for r in rows), reverse=True) + [0.0]
    best_e = max(rows, key=lambda r: r.entailment)
    best_c = max(rows, key=lambda r: r.contradiction)
    return [e[0], c[0], e[1], c[1], best_c.entailment, best_e.contradiction,
            math.log1p(sum(r.entailment > 0.5 for r in rows)),
            math.log1p(sum(r.contradiction > 0.5 for r in rows)),
            max(r.similarity for r in rows), 0.0]


def deciding_row(rows: list[Evidence], label: Label) -> Evidence:
    """The sentence to show for a verdict: the best for its label, else the most similar."""
    live = bearing(rows)
    if label == "supported" and live:
        return max(live, key=lambda r: r.entailment)
    if label == "contradicted" and live:
        return max(live, key=lambda r: r.contradiction)
    return max(live or rows, key=lambda r: (max(r.entailment, r.contradiction), r.similarity))


@dataclass(frozen=True)
class Thresholds:
    support: float = 0.5
    contradict: float = 0.5
    name: str = "thresholds"

    def paper(self, rows: list[Evidence]) -> tuple[Label, float, Evidence]:
        live = bearing(rows)
        if not live:
            return "insufficient", 1.0, deciding_row(rows, "insufficient")
        best_e = max(live, key=lambda r: r.entailment)
        best_c = max(live, key=lambda r: r.contradiction)
        if best_c.contradiction >= self.contradict and best_c.contradiction > best_e.entailment:
            return "contradicted", best_c.contradiction, best_c
        if best_e.entailment >= self.support:
            return "supported", best_e.entailment, best_e
        best = deciding_row(rows, "insufficient")
        return "insufficient", 1.0 - max(best.entailment, best.contradiction), best

    def claim(self, per_paper: dict[str, list[Evidence]]) -> tuple[Label, float]:
        verdicts = [self.paper(rows)[:2] for rows in per_paper.values() if rows]
        decided = [(conf, label) for label, conf in verdicts if label != "insufficient"]
        if decided:
            conf, label = max(decided)
            return label, conf
        return "insufficient", min((conf for _, conf in verdicts), default=1.0)


@dataclass(frozen=True)
class ClaimClassifier:
    """Logistic regression over :func:`evidence_features`, columns in :data:`VERDICTS` order."""

    weights: list[list[float]]
    bias: list[float]
    mean: list[float]
    scale: list[float]
    temperature: float = 1.0
    name: str = "claim-classifier"
    meta: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(cls, data: dict) -> ClaimClassifier:
        if data.get("features", list(FEATURES)) != list(FEATURES):
            raise ModelError("the verifier's claim decider was fitted on other features",
                             "retrain it: python -m training.verifier")
        return cls(data["weights"], data["bias"], data["mean"], data["scale"],
                   data.get("temperature", 1.0), meta=data.get("meta", {}))

    def probabilities(self, features: list[float]) -> np.ndarray:
        x = (np.asarray(features) - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = (x @ np.asarray(self.weights) + np.asarray(self.bias)) / self.temperature
        return softmax(logits[None, :])[0]

    def _decide(self, rows: list[Evidence]) -> tuple[Label, float]:
        p = self.probabilities(evidence_features(rows))
        if not bearing(rows):  # nothing close enough to the claim: no evidence, whatever the
            # scores; the confidence is the fitted one for evidence that bears on nothing
            return "insufficient", float(p[VERDICTS.index("insufficient")])
        return VERDICTS[int(p.argmax())], float(p.max())

    def paper(self, rows: list[Evidence]) -> tuple[Label, float, Evidence]:
        label, conf = self._decide(rows)
        return label, conf, deciding_row(rows, label)

    def claim(self, per_paper: dict[str, list[Evidence]]) -> tuple[Label, float]:
        return self._decide([r for rows in per_paper.values() for r in rows])
