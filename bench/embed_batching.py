"""Embedding throughput: synth's batch order versus the same texts sorted by length.

``embed.embed_missing`` encodes passage texts 64 at a time in the order
``Store.passages_without_embedding`` returns them (grouped by sha256, i.e. random lengths),
so short title passages share padded batches with ~250-token abstract chunks. This encodes
the same ``--n`` texts of a library both ways, alternating, ``--rounds`` times each, and
prints passages/s and the ratio.

    python bench/embed_batching.py --home bench/out/scifact-home [--n 1024] [--rounds 2]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from _common import Timer

from synth.search.embed import BATCH, Embedder, load_embedder
from synth.store.db import open_store


def encode_all(embedder: Embedder, texts: list[str]) -> float:
    with Timer() as t:
        for i in range(0, len(texts), BATCH):
            embedder.encode(texts[i:i + BATCH])
    return len(texts) / t.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="an imported library")
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with open_store(args.home / "library.db") as store:
        todo = store.passages_without_embedding("no-such-model")  # synth's order, all texts
    start = random.Random(0).randrange(max(1, len(todo) - args.n))
    texts = [text for _, text in todo[start:start + args.n]]
    by_length = sorted(texts, key=len)
    embedder = load_embedder()
    embedder.encode(texts[:BATCH])  # warm-up
    synth_order, sorted_order = [], []
    for _ in range(args.rounds):
        synth_order.append(encode_all(embedder, texts))
        sorted_order.append(encode_all(embedder, by_length))
    a, b = max(synth_order), max(sorted_order)
    print(f"{len(texts)} texts, median {sorted(map(len, texts))[len(texts) // 2]} chars, "
          f"batches of {BATCH}, best of {args.rounds}")
    print(f"synth order (by sha):  {a:.1f} passages/s  {[round(x, 1) for x in synth_order]}")
    print(f"sorted by length:      {b:.1f} passages/s  {[round(x, 1) for x in sorted_order]}")
    print(f"speed-up: {b / a:.2f}x")


if __name__ == "__main__":
    main()
