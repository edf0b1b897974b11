"""How a paper stands on a yes/no question: the probability that it says the question's
statement holds, from a small fitted model (:class:`StanceModel`).

A claim's features are the verifier's margin for the statement given the claim (entailment
minus contradiction) and which of three cue groups its words hold (:data:`CUES`: a null
result, "no significant difference", "did not reduce", "similar", "p = 0.61"; an effect,
"significantly", "p < 0.05", "increased", "associated with"; any negation). A paper's
features (:func:`paper_features`) are those of its on-point claims taken together: the
largest, smallest and mean margin, and each cue group's share of the claims and whether any
claim holds it. ``P(yes)`` is a logistic model of
them, fitted by ``python -m training.stance ../shared/data/pubmedqa`` on PubMedQA-L's
labelled questions (MIT licence) and shipped in ``synth/data/stance.json`` with its command
and its measured accuracy. A claim's own stance is the same model over that claim alone.

Why not the verifier's margin alone: a study's result rarely restates the question, so the
entailment of "X improves Y" by "Y was 12% higher with X (p < 0.01)" is weak, and a null result
("no significant difference in Y") reads as neutral, not as contradiction. On PubMedQA's
abstracts the margin alone ranked yes above no with AUC 0.59; the fitted model does so with
AUC 0.66 on questions it never saw (``training/stance.py``'s docstring has the figures).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synth.errors import ModelError

STANCE_PATH = Path(__file__).resolve().parents[1] / "data" / "stance.json"

CUES: dict[str, str] = {
    # a null result: no difference, no effect, no association
    "null": r"\b(no|not|non-?)\s*(statistically\s+)?significant|\bno\s+(significant\s+)?"
            r"(differences?|association|correlation|effect|relationship|improvement|benefit|"
            r"increase|decrease|change|impact|role|evidence)\b|\bnot\s+(significantly\s+)?"
            r"(differ|associated|correlated|related|linked)|\b(similar|comparable|identical|"
            r"equivalent|unchanged|independent\s+of)\b|\b(failed|fail)\s+to\b|"
            r"\bp\s*[>≥]\s*0?\.\d+|\b(did|does|do|was|were|is|are|could)\s+not\s+(\w+\s+)?"
            r"(increase|decrease|reduce|lower|improve|change|affect|alter|differ|predict|"
            r"influence|correlate|show|find|reach|lead|cause|prevent)",
    # an effect: significant, a p-value below a threshold, a change or an association
    "effect": r"\bsignificant(ly)?\b|\bp\s*[<≤]\s*0?\.\d+|\b(associated|correlated)\s+with\b|"
              r"\b(increas|decreas|reduc|improv|higher|lower|greater|better|superior|"
              r"outperform|predict|effective|efficacious)|\b(odds|hazard)\s+ratio",
    # any negation
    "negation": r"\b(no|not|never|without|neither|nor)\b|n't\b",
}
_CUES = {name: re.compile(pattern, re.I) for name, pattern in CUES.items()}
NLI_FEATURES = ("margin_max", "margin_min", "margin_mean")
FEATURES = (*NLI_FEATURES, *(f"share_{c}" for c in CUES), *(f"any_{c}" for c in CUES))


def cue_vector(text: str) -> np.ndarray:
    """Which of :data:`CUES` the text holds, 0 or 1 each."""
    return np.array([1.0 if pattern.search(text) else 0.0 for pattern in _CUES.values()])


def paper_features(probs: np.ndarray, texts: list[str]) -> np.ndarray:
    """The features of a set of claims (a paper's on-point claims, or one claim):
    ``probs`` is the verifier's (entailment, neutral, contradiction) for the statement given
    each claim, ``texts`` the claims."""
    probs = np.asarray(probs, dtype=float).reshape(-1, 3)
    margin = probs[:, 0] - probs[:, 2]
    cues = np.array([cue_vector(t) for t in texts]).reshape(len(texts), len(CUES))
    return np.concatenate([[margin.max(), margin.min(), margin.mean()], cues.mean(0),
                           cues.max(0)])


@dataclass(frozen=True)
class StanceModel:
    """``P(yes) = sigmoid(weights . features + bias)``, with its fitting record."""

    weights: np.ndarray
    bias: float
    record: dict

    @classmethod
    def load(cls, path: Path = STANCE_PATH) -> StanceModel:
        try:
            data = json.loads(path.read_text())
            if tuple(data["features"]) != FEATURES:
                raise ValueError("its features are not this synth's")
            return cls(np.asarray(data["weights"], dtype=float), float(data["bias"]),
                       {k: v for k, v in data.items() if k not in ("weights", "bias")})
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ModelError(f"cannot read the stance model {path}: {err}",
                             "reinstall synth, or refit it: python -m training.stance "
                             "../shared/data/pubmedqa") from err

    def p_yes(self, probs: np.ndarray, texts: list[str]) -> float:
        """The probability that these claims say the statement holds."""
        z = float(self.weights @ paper_features(probs, texts)) + self.bias
        return 1.0 / (1.0 + float(np.exp(-z)))


_MODEL: StanceModel | None = None


def shipped() -> StanceModel:
    """The shipped stance model, read once per process."""
    global _MODEL
    if _MODEL is None:
        _MODEL = StanceModel.load()
    return _MODEL
