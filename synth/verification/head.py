"""The ``synth-head`` verification scorer (the default before :mod:`synth.verification.xenc`): a
multinomial logistic head over features of a (claim, evidence sentence) pair, shipped as a
small JSON file of weights.

Features (:func:`pair_features`): the cosine of the two MiniLM embeddings, their element-wise
product and absolute difference (the usual sentence-pair features of a bi-encoder), content-word
overlap both ways, numbers (shared, claimed but absent, conflicting), negation and direction
words present on one side only. The weights are trained by ``python -m training.head`` on
Check-COVID train (MIT licence), so the shipped file carries no non-commercial restriction.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from synth.errors import ModelError
from synth.search.embed import Embedder, load_embedder
from synth.search.hybrid import tokens
from synth.verification.scorers import softmax

HEAD_PATH = Path(__file__).resolve().parents[1] / "data" / "verifier_head.json"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NEGATIONS = frozenset("not no never none without neither nor cannot fail fails failed lack lacks "
                      "absence absent unable unlikely".split())
UP = frozenset("increase increases increased increasing higher more greater raise raises raised "
               "elevated improve improves improved promote promotes enhance enhances".split())
DOWN = frozenset("decrease decreases decreased decreasing lower less fewer reduce reduces reduced "
                 "reduction inhibit inhibits inhibited impair impairs impaired suppress suppresses "
                 "worse".split())


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def lexical_features(claim: str, evidence: str) -> list[float]:
    c, e = set(tokens(claim)), set(tokens(evidence))
    cn, en = set(_NUMBER.findall(claim)), set(_NUMBER.findall(evidence))
    cw, ew = _words(claim), _words(evidence)
    neg_c, neg_e = bool(cw & NEGATIONS), bool(ew & NEGATIONS)
    up_c, down_c, up_e, down_e = bool(cw & UP), bool(cw & DOWN), bool(ew & UP), bool(ew & DOWN)
    return [
        len(c & e) / max(len(c), 1), len(c & e) / max(len(e), 1),
        float(bool(cn & en)), float(bool(cn - en)), float(bool(cn - en) and bool(en)),
        float(neg_c != neg_e), float(neg_c and neg_e),
        float((up_c and down_e and not down_c) or (down_c and up_e and not up_c)),
        float((up_c and up_e) or (down_c and down_e)),
    ]


def pair_features(claim_vecs: np.ndarray, evidence_vecs: np.ndarray,
                  pairs: list[tuple[str, str]]) -> np.ndarray:
    """Feature matrix for pairs whose unit embeddings are given row by row."""
    cos = np.sum(claim_vecs * evidence_vecs, axis=1, keepdims=True)
    lex = np.asarray([lexical_features(c, e) for c, e in pairs], dtype=np.float32)
    return np.hstack([cos, lex, claim_vecs * evidence_vecs,
                      np.abs(claim_vecs - evidence_vecs)]).astype(np.float32)


def embed_pair_features(embedder: Embedder, pairs: list[tuple[str, str]]) -> np.ndarray:
    """:func:`pair_features` for text pairs, embedding each distinct text once."""
    texts = list(dict.fromkeys(t for pair in pairs for t in pair))
    vecs = dict(zip(texts, embedder.encode(texts)))
    claims = np.stack([vecs[c] for c, _ in pairs])
    evidence = np.stack([vecs[e] for _, e in pairs])
    return pair_features(claims, evidence, pairs)


class HeadScorer:
    """Logistic head: probabilities = softmax(features @ W + b), columns entail/neutral/contradict."""

    def __init__(self, embedder: Embedder, weights: np.ndarray, bias: np.ndarray,
                 mean: np.ndarray, scale: np.ndarray, meta: dict) -> None:
        self.name = "synth-head"
        self.embedder = embedder
        self.weights, self.bias, self.mean, self.scale = weights, bias, mean, scale
        self.meta = meta

    @classmethod
    def load(cls, path: Path = HEAD_PATH, embedder: Embedder | None = None) -> HeadScorer:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise ModelError(f"cannot read the verifier head {path}: {err}",
                             "reinstall synth, or retrain it: python -m training.head") from err
        embedder = embedder or load_embedder(data["embed_model"])
        return cls(embedder, np.asarray(data["weights"], dtype=np.float32),
                   np.asarray(data["bias"], dtype=np.float32),
                   np.asarray(data["mean"], dtype=np.float32),
                   np.asarray(data["scale"], dtype=np.float32), data.get("meta", {}))

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        x = (embed_pair_features(self.embedder, pairs) - self.mean) / self.scale
        return softmax(x @ self.weights + self.bias).astype(np.float32)
