"""Fitting the claim decider (:class:`synth.verification.decide.ClaimClassifier`) on scored,
labelled claims: scikit-learn's logistic regression, 5-fold out-of-fold figures, then a
temperature chosen on the out-of-fold log-loss. The runtime decider needs numpy only; this
module needs the ``train`` extra (``pip install synth[train]``).
"""

from __future__ import annotations

import numpy as np

from synth.records.verdicts import VERDICTS, Evidence, Label
from synth.verification.decide import FEATURES, evidence_features
from synth.verification.evaluate import expected_calibration_error
from synth.verification.scorers import softmax


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
