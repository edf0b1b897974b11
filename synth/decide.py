"""Turn scored evidence into verdicts: one per paper, and one for the claim.

Two deciders share one interface (:class:`Decider`):

* :class:`ClaimClassifier`, used with the default scorer: a multinomial logistic regression over
  a few summary features of the evidence (:func:`evidence_features`: best entailment and
  contradiction probabilities, their runners-up, how many sentences clear 0.5, retrieval
  similarity), then temperature scaling, so its confidence is a probability of being right
  that was fitted on held-in data. The claim verdict reads the features of all papers'
  evidence pooled; each paper's verdict reads that paper's alone. Fitted by
  :func:`fit_claim_decider` (called by ``python -m synth.train_verifier``), stored in the
  adapter file's metadata.
* :class:`Thresholds`, for other scorers (which come with no fitted decider): contradicted if the
  best contradiction probability clears ``contradict`` and beats the best entailment; supported
  if the best entailment clears ``support``; else insufficient. Its confidence is the deciding
  probability, not calibrated.

Only sentences of passages whose embedding is at least ``MIN_SIMILARITY`` from the claim's, and
that contain at least ``MIN_COVERAGE`` of the claim's content words, can decide anything; a
paper (or claim) with none is insufficient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from .errors import ModelError
from .nli import softmax

if TYPE_CHECKING:
    from .verify import Evidence

Label = Literal["supported", "contradicted", "insufficient"]
VERDICTS: tuple[Label, ...] = ("supported", "contradicted", "insufficient")
# A passage whose embedding is this far from the claim's does not bear on it, whatever the
# scorer says (on SciFact train, 478 of the 479 gold abstracts retrieved in the top 3 have a
# passage above it).
MIN_SIMILARITY = 0.25
# Nor can a sentence holding less than this share of the claim's content words: the
# cross-encoder otherwise finds support or contradiction in sentences on the same topic that
# say something else. Chosen on Check-COVID (the decider's out-of-fold macro-F1 over 0 to 0.5
# peaks here: 0.445 without the gate, 0.464 with it); on SciFact train it lifts the default
# from 0.499 to 0.524 (README, Verification).
MIN_COVERAGE = 0.3
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


def bearing(rows: list[Evidence]) -> list[Evidence]:
    """The sentences that may decide: close enough to the claim in meaning and in words."""
    return [r for r in rows if r.similarity >= MIN_SIMILARITY and r.coverage >= MIN_COVERAGE]


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
                             "retrain it: python -m synth.train_verifier")
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


def _oof_logits(x: np.ndarray, y: np.ndarray, c: float, folds: int = 5) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((len(y), len(VERDICTS)))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        model.fit(x[train], y[train])
        out[test] = model.decision_function(x[test])
    return out


def _nll(logits: np.ndarray, y: np.ndarray, t: float) -> float:
    z = logits / t
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def fit_claim_decider(scored: list[dict[str, list[Evidence]]], labels: list[Label],
                      c: float = 1.0) -> tuple[dict, dict]:
    """Fit :class:`ClaimClassifier` on scored claims with known labels.

    Returns its parameters and a report: 5-fold out-of-fold macro-F1, and the expected
    calibration error of the out-of-fold confidence before and after temperature scaling (the
    temperature is the one that minimises out-of-fold log-loss)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from .evaluate import expected_calibration_error

    raw = np.asarray([evidence_features([r for rows in s.values() for r in rows])
                      for s in scored])
    mean, scale = raw.mean(axis=0), np.maximum(raw.std(axis=0), 1e-3)
    x = (raw - mean) / scale
    y = np.asarray([VERDICTS.index(label) for label in labels])
    oof = _oof_logits(x, y, c)
    temperature = min((t / 20 for t in range(4, 101)), key=lambda t: _nll(oof, y, t))
    pred = oof.argmax(axis=1)
    correct = (pred == y).tolist()
    report = {
        "claims": len(y), "oof_macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
        "oof_f1_by_class": dict(zip(VERDICTS, f1_score(y, pred, average=None,
                                                       labels=[0, 1, 2]).round(4).tolist())),
        "oof_ece_before": round(expected_calibration_error(
            softmax(oof).max(axis=1).tolist(), correct), 4),
        "oof_ece_after": round(expected_calibration_error(
            softmax(oof / temperature).max(axis=1).tolist(), correct), 4),
        "temperature": round(temperature, 3),
    }
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)
    params = {"features": list(FEATURES), "verdicts": list(VERDICTS),
              "weights": model.coef_.T.round(6).tolist(),
              "bias": model.intercept_.round(6).tolist(),
              "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
              "temperature": round(temperature, 3)}
    return params, report
