"""Train the ``synth-head`` verifier (``synth/data/verifier_head.json``) on Check-COVID train.

    python -m training.head ../shared/data/check-covid [--out synth/data/verifier_head.json]

Check-COVID (Wang et al. 2023, MIT licence) pairs a claim with sentences of a CORD-19
abstract. Pairs: each SUPPORT claim with its rationale sentences -> entailment; each REFUTE
claim with its rationale sentences -> contradiction; each NOTENOUGHINFO claim with its marked
sentences, and every claim with up to two other sentences of the same abstract -> neutral.
The head is a multinomial logistic regression (scikit-learn) on standardised
:func:`synth.verification.head.pair_features`; the result is deterministic for a given data set and model.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date
from pathlib import Path

import numpy as np

from synth.search.embed import load_embedder
from synth.verification.head import HEAD_PATH, embed_pair_features
from synth.verification.scorers import LABELS
from training.verifier import LABEL_OF, TRAIN_FILE, read_jsonl


def check_covid_pairs(folder: Path, seed: int = 13) -> tuple[list[tuple[str, str]], list[int]]:
    corpus = {d["cord_id"]: d["abstract"] for d in read_jsonl(folder / "corpus.json")}
    rng = random.Random(seed)
    pairs, labels = [], []
    for claim in read_jsonl(folder / TRAIN_FILE):
        sentences = corpus.get(claim["cord_id"], [])
        marked = {e["sent_index"] for e in claim["evidence_set"] if e["sent_index"] < len(sentences)}
        for i in sorted(marked):
            pairs.append((claim["claim"].strip(), sentences[i]))
            labels.append(LABELS.index(LABEL_OF[claim["label"]]))
        others = [i for i in range(len(sentences)) if i not in marked]
        for i in rng.sample(others, min(2, len(others))):
            pairs.append((claim["claim"].strip(), sentences[i]))
            labels.append(LABELS.index("neutral"))
    return pairs, labels


def train(folder: Path, out: Path, c: float = 0.05) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.preprocessing import StandardScaler

    pairs, labels = check_covid_pairs(folder)
    embedder = load_embedder()
    x = embed_pair_features(embedder, pairs)
    scaler = StandardScaler().fit(x)
    scale = np.maximum(scaler.scale_, 1e-3)  # near-constant features must not blow up
    xs = (x - scaler.mean_) / scale
    model = LogisticRegression(C=c, max_iter=2000)
    cv = cross_val_score(model, xs, labels, cv=5, scoring="f1_macro")
    model.fit(xs, labels)
    data = {
        "embed_model": embedder.name,
        "labels": list(LABELS),
        "weights": model.coef_.T.round(6).tolist(), "bias": model.intercept_.round(6).tolist(),
        "mean": scaler.mean_.tolist(), "scale": scale.tolist(),
        "meta": {"trained_on": "Check-COVID train (MIT), composed+extracted",
                 "pairs": len(pairs), "pair_macro_f1_5fold_cv": round(float(cv.mean()), 4),
                 "per_label": np.bincount(labels, minlength=3).tolist(),
                 "C": c, "date": date.today().isoformat(),
                 "command": "python -m training.head ../shared/data/check-covid"},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data))
    return data["meta"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check_covid", type=Path, help="the Check-COVID folder")
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--c", type=float, default=0.05, help="inverse regularisation strength")
    args = parser.parse_args()
    print(json.dumps(train(args.check_covid, args.out, args.c), indent=2))


if __name__ == "__main__":
    main()
