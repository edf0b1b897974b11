"""synth at library scale: the 19,124 LLM-Bible arXiv abstracts in one library.

Measures, each stage in its own process so peak memory (ru_maxrss) is per stage:

* import: seconds, records/s, peak RSS;
* embedding of every passage: seconds, embeddings/s, peak RSS;
* database size on disk (library.db, -wal);
* re-import of the unchanged file: seconds and speed-up over the first import (target >= 20x);
* warm hybrid query latency p50/p95 over ~200 realistic queries (the 110 ScholarQA-CS
  questions, then first sentences of March-2026 cs.CL abstracts, which are not in the library)
  with ``lexical="fts5"`` and ``lexical="rank-bm25"`` (target p95 <= 150 ms), the rank-bm25
  index build time, each with the BLAS pool as synth leaves it, at 1 and at 2 threads;
* one cold ``python -m synth --home DIR search "..."`` process, end to end.

    python bench/scale.py [--limit N] [--home DIR] [--queries 200]

``--limit N`` imports the first N records (written to a temp file). Import and re-import are
always timed on a fresh temporary library (~15 s). ``--home DIR`` keeps the library that is
embedded and queried, so a second run re-uses its embeddings (embedding then reports 0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import DATA, Timer, peak_rss_mib, percentile

BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_papers.jsonl.gz"
SCHOLARQA_CS = DATA / "scholarqabench" / "data" / "scholarqa_cs" / "test_configs_snippets.json"
CSCL_2026 = DATA / "arxiv-abstracts" / "nlp-paper-search-cscl-2026" / "arxiv_papers.json"
TARGET_REIMPORT = 20.0
TARGET_P95_MS = 150.0
COLD_QUERY = "parameter-efficient fine-tuning of large language models with low-rank adapters"


# ---- stages, each run in a child process -----------------------------------------------

def stage_import(home: Path, source: Path) -> dict[str, float]:
    from synth.library.snapshot import import_snapshot
    from synth.store.db import open_store

    with open_store(home / "library.db") as store, Timer() as t:
        report = import_snapshot(store, source)
    records = report.added_count + report.unchanged_count
    return {"seconds": t.seconds, "records": records, "added": report.added_count,
            "failed": len(report.failed), "records_per_s": records / t.seconds,
            "peak_rss_mib": peak_rss_mib()}


def stage_embed(home: Path) -> dict[str, float]:
    from synth.search.embed import embed_missing, load_embedder
    from synth.store.db import open_store

    with open_store(home / "library.db") as store:
        embedder = load_embedder()
        with Timer() as t:
            done = embed_missing(store, embedder)
        passages = store.counts()["passages"]
    return {"seconds": t.seconds, "embedded": done, "passages": passages,
            "per_s": done / t.seconds if done else 0.0, "peak_rss_mib": peak_rss_mib()}


def realistic_queries(n: int) -> list[str]:
    """ScholarQA-CS questions first, then first sentences of abstracts not in the library."""
    from synth.parsing.chunk import sentence_spans

    queries = [q["initial_prompt"] for q in json.loads(SCHOLARQA_CS.read_text())]
    papers = json.loads(CSCL_2026.read_text())
    random.Random(0).shuffle(papers)
    for p in papers[:max(0, n - len(queries))]:
        s, e = sentence_spans(p["abstract"])[0]
        queries.append(p["abstract"][s:e])
    return queries[:n]


def set_blas_threads(how: str) -> str:
    """Leave the BLAS pool as synth left it (``as-is``) or set it to ``1`` or ``2`` threads;
    returns the thread counts now in effect."""
    from threadpoolctl import threadpool_info, threadpool_limits

    if how != "as-is":
        threadpool_limits(int(how), user_api="blas")
    return ",".join(str(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas")


def stage_query(home: Path, lexical: str, n: int, blas: str) -> dict[str, float | str]:
    """Warm latency of hybrid search (top 10), plus the dense matrix-vector product alone."""
    from synth.search.ann import ExactIndex
    from synth.search.embed import load_embedder
    from synth.search.hybrid import RankBM25Index, Searcher
    from synth.store.db import open_store

    queries = realistic_queries(n)
    with open_store(home / "library.db") as store:
        embedder = load_embedder()
        threads = set_blas_threads(blas)  # after load_embedder, which may set its own limit
        with Timer() as t_build:
            searcher = Searcher(store, embedder, lexical=lexical)
        with Timer() as t_bm25:
            RankBM25Index(store) if lexical == "rank-bm25" else None
        for q in queries[:5]:
            searcher.search(q, 10, "hybrid")  # warm-up, not counted
        hybrid = timed(lambda q: searcher.search(q, 10, "hybrid"), queries)
        lexical = timed(searcher.lexical_top, queries)
        dense = timed(searcher.dense_top, queries)
        vectors = list(embedder.encode(queries[:50]))
        exact = isinstance(searcher.dense, ExactIndex)  # an ANN library has no matrix
        matvec = (timed(lambda v: searcher.dense.matrix @ v, vectors)  # type: ignore[attr-defined]
                  if exact else [0.0])
    return {"queries": len(queries), "p50_ms": percentile(hybrid, 50),
            "p95_ms": percentile(hybrid, 95), "lexical_p50_ms": percentile(lexical, 50),
            "lexical_p95_ms": percentile(lexical, 95), "dense_p50_ms": percentile(dense, 50),
            "matvec_p50_ms": percentile(matvec, 50), "searcher_s": t_build.seconds,
            "bm25_build_s": t_bm25.seconds, "rows": store.embedded_passages(embedder.name),
            "peak_rss_mib": peak_rss_mib(), "blas_threads": threads}


def timed(fn: Callable[[Any], object], items: list[Any]) -> list[float]:
    """Milliseconds of ``fn(item)`` for each item."""
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


# ---- the parent: runs the stages and prints the table ----------------------------------

def run_stage(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--stage", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"stage {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def subset(limit: int | None, folder: Path) -> Path:
    if limit is None:
        return BIBLE
    path = folder / f"llm_bible_first_{limit}.jsonl"
    with gzip.open(BIBLE, "rt", encoding="utf-8") as src, path.open("w") as dst:
        for i, line in enumerate(src):
            if i >= limit:
                break
            dst.write(line)
    return path


def cold_cli(home: Path, lexical: str) -> float:
    cmd = [sys.executable, "-m", "synth", "--home", str(home), "search", COLD_QUERY]
    with Timer() as t:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              env={**os.environ, "SYNTH_LEXICAL": lexical})
    if done.returncode:
        raise SystemExit(f"synth search failed: {done.stderr[-2000:]}")
    return t.seconds


def db_sizes(home: Path) -> dict[str, float]:
    names = ("library.db", "library.db-wal", "library.db-shm")
    return {n: (home / n).stat().st_size / 2**20 if (home / n).exists() else 0.0 for n in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="import only the first N records")
    parser.add_argument("--home", type=Path, help="library folder to create or reuse")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--stage", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        name, home, *rest = args.stage
        fn = {"import": lambda: stage_import(Path(home), Path(rest[0])),
              "embed": lambda: stage_embed(Path(home)),
              "query": lambda: stage_query(Path(home), rest[0], int(rest[1]), rest[2])}[name]
        print(json.dumps(fn()))
        return
    with tempfile.TemporaryDirectory(prefix="synth-scale-") as tmp:
        source = subset(args.limit, Path(tmp))
        fresh = Path(tmp) / "library"
        print(f"source {source.name}; import timed on a fresh library in {fresh}")
        imports(fresh, source)
        home = args.home or fresh
        if args.home:
            added = run_stage("import", str(home), str(source))["added"]
            print(f"library {home}: {added:.0f} records added by this run")
        embed_and_size(home)
        queries(home, args.queries)


def imports(home: Path, source: Path) -> None:
    first = run_stage("import", str(home), str(source))
    print(f"import      {first['records']:.0f} records ({first['added']:.0f} added, "
          f"{first['failed']:.0f} failed) in {first['seconds']:.1f}s = "
          f"{first['records_per_s']:.0f} records/s; peak RSS {first['peak_rss_mib']:.0f} MiB")
    again = run_stage("import", str(home), str(source))
    print(f"re-import   {again['seconds']:.2f}s ({again['added']:.0f} added); speed-up "
          f"{first['seconds'] / again['seconds']:.1f}x (target >= {TARGET_REIMPORT:.0f}x); "
          f"peak RSS {again['peak_rss_mib']:.0f} MiB")


def embed_and_size(home: Path) -> None:
    emb = run_stage("embed", str(home))
    print(f"embed       {emb['embedded']:.0f} of {emb['passages']:.0f} passages in "
          f"{emb['seconds']:.1f}s = {emb['per_s']:.1f}/s; peak RSS {emb['peak_rss_mib']:.0f} MiB")
    sizes = db_sizes(home)
    print("db size     " + ", ".join(f"{k} {v:.1f} MiB" for k, v in sizes.items())
          + f"; db+wal {sizes['library.db'] + sizes['library.db-wal']:.1f} MiB")


def queries(home: Path, n_queries: int) -> None:
    print(f"\nwarm hybrid search, top 10, {n_queries} queries (target p95 <= {TARGET_P95_MS:.0f} ms)")
    print(f"{'':<51}{'hybrid':>16}{'':>11}{'lexical only':>16}{'dense':>7}{'matvec':>8}")
    print(f"{'lexical':<11}{'BLAS threads':<40}{'p50 ms':>8}{'p95 ms':>8}{'p95/target':>11}"
          f"{'p50 ms':>8}{'p95 ms':>8}{'p50':>7}{'p50':>8}{'searcher s':>11}{'bm25 build s':>13}"
          f"{'RSS MiB':>9}")
    settings = [("as-is", "synth as it is"), ("1", "threadpool_limits(1)"),
                ("2", "threadpool_limits(2) (numpy's own)")]
    for lexical in ("fts5", "rank-bm25"):
        for how, label in settings:
            q = run_stage("query", str(home), lexical, str(n_queries), how)
            label = f"{label}: {q['blas_threads']}"
            print(f"{lexical:<11}{label:<40}{q['p50_ms']:>8.1f}{q['p95_ms']:>8.1f}"
                  f"{q['p95_ms'] / TARGET_P95_MS:>11.2f}{q['lexical_p50_ms']:>8.1f}"
                  f"{q['lexical_p95_ms']:>8.1f}{q['dense_p50_ms']:>7.1f}{q['matvec_p50_ms']:>8.2f}"
                  f"{q['searcher_s']:>11.2f}{q['bm25_build_s']:>13.2f}{q['peak_rss_mib']:>9.0f}")
    for lexical in ("fts5", "rank-bm25"):
        print(f"cold `python -m synth search` ({lexical}): {cold_cli(home, lexical):.1f}s end to end")


if __name__ == "__main__":
    main()
