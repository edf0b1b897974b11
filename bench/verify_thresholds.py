"""How much of verification's error is the decision thresholds? Cross-validated on SciFact train.

    python bench/verify_thresholds.py --home /tmp/scifact-eval [--limit 300]

Verifies each claim once (open retrieval over SciFact's corpus, default head), keeps every
paper's evidence scores, then re-decides with a grid of (support, contradict) thresholds:
5-fold cross-validation on the claims (tune on 4 folds, score the 5th) gives an honest
macro-F1 for tuned thresholds, printed beside the shipped defaults measured in the same run.
SciFact is CC BY-NC: thresholds tuned here are a measurement, not something to ship.
"""

from __future__ import annotations

import argparse
import itertools
import random
from pathlib import Path

from synth.library.snapshot import import_snapshot
from synth.search.embed import CachedEmbedder, load_embedder
from synth.search.hybrid import Searcher
from synth.store.db import open_store
from synth.verification.backends import load_scorer
from synth.verification.decide import Thresholds
from synth.verification.evaluate import CLASSES, TO_SCIFACT, f1_scores, gold_label, load_claims
from synth.verification.verify import decide, score_evidence

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "scifact"
GRID = [round(0.05 * i, 2) for i in range(2, 20)]


def macro(gold: list[str], pred: list[str]) -> float:
    return sum(f1_scores(gold, pred).values()) / len(CLASSES)


def redecide(scored: list[dict], t: Thresholds) -> list[str]:
    return [TO_SCIFACT[decide("claim", per_paper, "synth-head", t).label] for per_paper in scored]


def best_thresholds(verdicts, gold) -> tuple[Thresholds, float]:
    scored = [(macro(gold, redecide(verdicts, Thresholds(s, c))), Thresholds(s, c))
              for s, c in itertools.product(GRID, GRID)]
    f1, t = max(scored, key=lambda x: x[0])
    return t, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=300)
    args = parser.parse_args()
    store = open_store(args.home / "library.db")
    import_snapshot(store, DATA / "corpus.jsonl")
    embedder = CachedEmbedder(store, load_embedder())
    searcher, scorer = Searcher(store, embedder), load_scorer("synth-head", embedder)
    claims = load_claims(DATA / "claims_train.jsonl", args.limit)
    verdicts = [score_evidence(c["claim"], searcher, scorer) for c in claims]
    gold = [gold_label(c) for c in claims]
    print(f"{len(claims)} claims; default thresholds {Thresholds()}: "
          f"macro-F1 {macro(gold, redecide(verdicts, Thresholds())):.3f}")
    order = list(range(len(claims)))
    random.Random(7).shuffle(order)
    folds = [order[i::5] for i in range(5)]
    held_gold, held_pred = [], []
    for k, fold in enumerate(folds):
        train = [i for i in order if i not in set(fold)]
        t, f1 = best_thresholds([verdicts[i] for i in train], [gold[i] for i in train])
        held_gold += [gold[i] for i in fold]
        held_pred += redecide([verdicts[i] for i in fold], t)
        print(f"fold {k}: tuned {t} (train macro-F1 {f1:.3f})")
    by_class = f1_scores(held_gold, held_pred)
    print(f"5-fold CV macro-F1 with tuned thresholds: {macro(held_gold, held_pred):.3f} "
          f"({', '.join(f'{c} {v:.3f}' for c, v in by_class.items())}); target 0.65")


if __name__ == "__main__":
    main()
