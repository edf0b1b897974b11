"""Warm hybrid ``synth search`` latency on a library of about a million passages, through the
ANN index.

    python bench/snapshot_memory.py --lines 400000 --keep DIR   # the library (no vectors)
    python bench/search_at_scale.py --home DIR [--queries 200]

The library's passages are real text (FTS5 ranks them for real), but a million passages cannot
be embedded on these machines (MiniLM runs at about 30 passages/s on 2 cores: 9 hours), so
each passage is given a stand-in vector: a real MiniLM passage vector from the bench libraries
plus noise, as ``bench/ann.py --vectors real`` makes them. The dense half's cost (query
embedding, the HNSW search, the exact cosines of the hits) is real; which passages it ranks
first is not meaningful. Printed: passages, the vector fill and index build times, what a new
searcher costs when nothing changed (the checks that keep the index in step), the index
file's size, warm hybrid p50 / p95 (top 10; the query embedded with the real model each time;
the two halves side by side, as ``synth search`` runs them) and, timed on the same queries in
turn, with the halves one after the other (``Searcher(parallel=False)``) with the ratio;
the lexical and dense halves' p50, the query process's resident memory (its own, and the
mapped index file's pages, which the page cache shares between processes), and, for the first
``--exact-queries``, hybrid p50 / p95 without the lexical budget (``LEXICAL_BUDGET``) with the
ratio. ``--seeds HOME`` names the embedded library whose vectors seed the stand-ins.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _common import OUT
from ann import jittered, real_seeds, resident
from scale import realistic_queries

CHUNK = 20_000


def fill_vectors(store, model: str, seeds: np.ndarray) -> int:  # type: ignore[no-untyped-def]
    todo = [sha for sha, _ in store.passages_without_embedding(model)]
    rng = np.random.default_rng(0)
    for i in range(0, len(todo), CHUNK):
        shas = todo[i:i + CHUNK]
        store.save_embeddings(model, shas, jittered(seeds, len(shas), 0.5, rng))
    return len(todo)


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.array(values) * 1000, q)), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--exact-queries", type=int, default=50,
                        help="queries timed again with BM25 over every query word (no budget)")
    parser.add_argument("--seeds", type=Path, default=OUT / "scifact-home",
                        help="an embedded library whose vectors seed the stand-in vectors")
    args = parser.parse_args()

    from synth.search.ann import index_path
    from synth.search.embed import load_embedder
    from synth.search.hybrid import Searcher
    from synth.store.db import open_store

    embedder = load_embedder()
    with open_store(args.home / "library.db") as store:
        start = time.perf_counter()
        filled = fill_vectors(store, embedder.name, real_seeds([args.seeds]))
        fill_s = time.perf_counter() - start
        passages = store.embedded_passages(embedder.name)
        print(f"{passages:,} passages, {filled:,} stand-in vectors in {fill_s:.0f} s",
              file=sys.stderr, flush=True)
        start = time.perf_counter()
        searcher = Searcher(store, embedder)  # builds or updates the index file
        build_s = time.perf_counter() - start
        print(f"searcher ready in {build_s:.0f} s", file=sys.stderr, flush=True)
        start = time.perf_counter()
        Searcher(store, embedder)  # what each new process pays when nothing changed
        again_s = time.perf_counter() - start
        queries = realistic_queries(args.queries)
        one_by_one = Searcher(store, embedder, parallel=False)
        for q in queries[:5]:
            searcher.search(q, 10)  # warm-up, not counted
            one_by_one.search(q, 10)
        hybrid, sequential, lexical, dense = [], [], [], []
        for q in queries:
            t0 = time.perf_counter()
            searcher.search(q, 10)
            hybrid.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            one_by_one.search(q, 10)
            sequential.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            searcher.lexical_top(q)
            lexical.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            searcher.dense_top(q)
            dense.append(time.perf_counter() - t0)
        anon, mapped = resident()
        size = index_path(store, embedder.name).stat().st_size
        exact = Searcher(store, embedder, lexical_budget=10**12)  # BM25 over every word
        exact_hybrid = []
        for q in queries[:args.exact_queries]:
            t0 = time.perf_counter()
            exact.search(q, 10)
            exact_hybrid.append(time.perf_counter() - t0)
    print("| passages | index | index build s | searcher start s, unchanged library | index MB | "
          "hybrid p50 ms | hybrid p95 ms | lexical p50 ms | dense p50 ms (with query "
          "embedding) | RSS MB own / mapped |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {passages:,} | {type(searcher.dense).__name__} | {build_s:.0f} | {again_s:.1f} | "
          f"{size / 1e6:.0f} | "
          f"{percentile(hybrid, 50)} | {percentile(hybrid, 95)} | {percentile(lexical, 50)} | "
          f"{percentile(dense, 50)} | {anon / 1e6:.0f} / {mapped / 1e6:.0f} |")
    print(f"\nthe two halves one after the other (as before they ran side by side), same "
          f"queries: hybrid p50 / p95 {percentile(sequential, 50)} / "
          f"{percentile(sequential, 95)} ms; p95 ratio side by side / one after the other "
          f"{percentile(hybrid, 95) / percentile(sequential, 95):.3f}")
    print(f"\nwithout the lexical budget (BM25 over every query word, first "
          f"{len(exact_hybrid)} queries): hybrid p50 / p95 {percentile(exact_hybrid, 50)} / "
          f"{percentile(exact_hybrid, 95)} ms; p95 ratio budget / none "
          f"{percentile(hybrid[:len(exact_hybrid)], 95) / percentile(exact_hybrid, 95):.3f}")


if __name__ == "__main__":
    main()
