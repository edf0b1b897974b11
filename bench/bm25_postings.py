"""rank-bm25 query time: ``BM25Okapi.get_scores`` against synth's postings lists.

``BM25Okapi.get_scores`` builds, for every query token, a Python list over *all* passages
(``[doc.get(q) or 0 for doc in doc_freqs]``): ~5 ms per token at 52k passages. synth's
``RankBM25Index.scores`` computes the same scores from postings lists built once from the
BM25Okapi object, touching only the passages that contain the token. This script checks that
the top 100 of each query match and the scores agree, and prints build time and per-query
latency p50/p95 for each.

    python bench/bm25_postings.py --home bench/out/scale-home [--queries 200]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import Timer, percentile
from scale import realistic_queries

from synth.search.hybrid import RankBM25Index, _top_indices, tokens
from synth.store.db import open_store


def latencies(score: object, queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        start = time.perf_counter()
        _top_indices(score(tokens(q)), 100)  # type: ignore[operator]
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="an imported library")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    queries = realistic_queries(args.queries)
    with open_store(args.home / "library.db") as store, Timer() as t_okapi:
        index = RankBM25Index(store)
    assert index.bm25 is not None
    same_top = 0
    worst = 0.0
    for q in queries:
        a, b = index.bm25.get_scores(tokens(q)), index.scores(tokens(q))
        worst = max(worst, float(np.max(np.abs(a - b))))
        same_top += list(_top_indices(a, 100)) == list(_top_indices(b, 100))
    print(f"{index.bm25.corpus_size} passages, {len(queries)} queries; identical top-100 for "
          f"{same_top}/{len(queries)}, max |score difference| {worst:.2e}")
    print(f"{'scorer':<28}{'build s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for name, build, fn in (("rank-bm25 get_scores", t_okapi.seconds, index.bm25.get_scores),
                            ("synth postings", t_okapi.seconds, index.scores)):
        ms = latencies(fn, queries)
        print(f"{name:<28}{build:>9.2f}{percentile(ms, 50):>9.1f}{percentile(ms, 95):>9.1f}")


if __name__ == "__main__":
    main()
