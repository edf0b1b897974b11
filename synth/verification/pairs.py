"""``synth eval pairs``: measure a pair scorer on labelled (claim, evidence) pairs.

The file is JSON Lines, one ``{"claim": ..., "evidence": ..., "label": ...}`` per line. Labels
are read case-insensitively in either vocabulary: NLI (``entailment``, ``neutral``,
``contradiction``) or fact-checking (``SUPPORT``/``SUPPORTS``, ``NEI``/``NOT ENOUGH INFO``,
``REFUTE``/``REFUTES``/``CONTRADICT``). Any other label, or a line without a claim or evidence,
refuses the whole file before anything is scored, naming the line: a label is never read as
another one. Every pair is scored in one pass; the figures are accuracy, macro-F1 over the
classes the gold labels hold, per-class F1, the confusion matrix (gold -> predicted) and pairs
per second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from synth.errors import InvalidInput, shown
from synth.verification.evaluate import f1_scores, json_objects
from synth.verification.scorers import LABELS, PairScorer

BATCH = 64
LABEL_NAMES = {
    "entailment": "entailment", "support": "entailment", "supports": "entailment",
    "supported": "entailment",
    "neutral": "neutral", "nei": "neutral", "not enough info": "neutral",
    "notenoughinfo": "neutral", "not_enough_info": "neutral", "insufficient": "neutral",
    "contradiction": "contradiction", "refute": "contradiction", "refutes": "contradiction",
    "contradict": "contradiction", "contradicted": "contradiction",
}


class PairReport(BaseModel):
    pairs: int
    scorer: str
    accuracy: float
    macro_f1: float
    f1_by_class: dict[str, float]
    confusion: dict[str, dict[str, int]]
    pairs_per_second: float


def label_of(raw: object) -> str | None:
    """The NLI label a gold label names (see the module docstring), or None."""
    return LABEL_NAMES.get(" ".join(str(raw).lower().split())) if isinstance(raw, str) else None


def read_pairs(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(claim, evidence) pairs and their NLI labels; :class:`InvalidInput` for a bad line."""
    pairs, labels = [], []
    example = '{"claim": "...", "evidence": "...", "label": "entailment"}'
    for n, row in json_objects(path, example):
        if not all(isinstance(row.get(k), str) and row[k].strip() for k in ("claim", "evidence")):
            raise InvalidInput(f"{path}:{n}: not an object with a claim and evidence text",
                               f"write {example}")
        label = label_of(row.get("label"))
        if label is None:
            raise InvalidInput(f"{path}:{n}: unknown label {shown(row.get('label'))}",
                               "use entailment / neutral / contradiction or SUPPORT / NEI / "
                               "REFUTE")
        pairs.append((" ".join(row["claim"].split()), " ".join(row["evidence"].split())))
        labels.append(label)
    if not pairs:
        raise InvalidInput(f"{path} holds no labelled pairs", "give a JSON Lines file of pairs")
    return pairs, labels


def pair_report(scorer: str, gold: list[str], probs: np.ndarray, seconds: float) -> PairReport:
    """The figures of the module docstring; macro-F1 averages the classes the gold labels
    hold (a two-class set, such as FEVER's, is averaged over its two)."""
    pred = [LABELS[i] for i in np.asarray(probs).argmax(axis=1)]
    by_class = f1_scores(gold, pred, LABELS)
    present = [c for c in LABELS if c in gold]
    return PairReport(
        pairs=len(gold), scorer=scorer,
        accuracy=round(sum(g == p for g, p in zip(gold, pred)) / len(gold), 4),
        macro_f1=round(sum(by_class[c] for c in present) / len(present), 4),
        f1_by_class={k: round(v, 4) for k, v in by_class.items()},
        confusion={g: {p: sum(1 for a, b in zip(gold, pred) if a == g and b == p)
                       for p in LABELS} for g in LABELS},
        pairs_per_second=round(len(gold) / max(seconds, 1e-9), 2))


def eval_pairs(scorer: PairScorer, path: Path,
               progress: Callable[[int, int], None] | None = None) -> PairReport:
    """Score every pair of ``path`` with ``scorer`` and measure it (module docstring)."""
    pairs, gold = read_pairs(path)
    start = time.perf_counter()
    parts = []
    for i in range(0, len(pairs), BATCH):
        parts.append(np.asarray(scorer.score(pairs[i:i + BATCH])))
        if progress:
            progress(min(i + BATCH, len(pairs)), len(pairs))
    return pair_report(scorer.name, gold, np.concatenate(parts), time.perf_counter() - start)
