"""Ingest throughput through the Ray engine with 1 and 2 worker processes, against the local
engine in the same run, and the wall time that projects to for arXiv's 2.7M abstracts.

    python bench/ray_engine.py [--records 2000]

Each run is a fresh process with a fresh temp library: the first ``--records`` LLM-Bible
abstracts are imported (the driver parses snapshot records) and embedded (local: this
process; ray: ``ray.init(num_cpus=N)`` on this machine, N worker processes, each loading the
model once, chunks of 256 texts). Printed per engine: import s, embedding s (model loading
included, as a user's run pays it), passages/s, records/s end to end; scaling efficiency =
throughput with 2 workers / (2 x throughput with 1); and the projected wall time for 2.7M
abstracts on N workers from the measured per-worker rate (an upper bound on speed: it assumes
the 2-worker efficiency holds and ignores the driver's writes, which are measured in
"import s").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA

SNAPSHOT = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_papers.jsonl.gz"
ABSTRACTS = 2_700_000


def one_run(engine: str, cpus: int, records: int) -> dict:
    """Run in a child process: import and embed ``records`` abstracts."""
    import gzip

    from synth.config import load_settings
    from synth.library.snapshot import import_snapshot
    from synth.search.embed import embed_missing, load_embedder
    from synth.store.db import open_store

    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        subset = Path(tmp) / "subset.jsonl"
        with gzip.open(SNAPSHOT, "rt") as lines, subset.open("w") as out:
            for n, line in enumerate(lines):
                if n >= records:
                    break
                out.write(line)
        settings = load_settings(env={}, home=Path(tmp) / "home")
        settings.home.mkdir()
        with open_store(settings.db_path) as store:
            start = time.perf_counter()
            import_snapshot(store, subset)
            imported = time.perf_counter() - start
            if engine == "ray":
                import ray

                from synth.engine.ray_engine import ray_embed_missing

                ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
                start = time.perf_counter()
                embedded = ray_embed_missing(store, settings.embed_model)
                embed_s = time.perf_counter() - start
                ray.shutdown()
            else:
                start = time.perf_counter()
                embedded = embed_missing(store, load_embedder(settings.embed_model))
                embed_s = time.perf_counter() - start
    return {"engine": engine, "workers": cpus, "records": records, "passages": embedded,
            "import_s": round(imported, 1), "embed_s": round(embed_s, 1),
            "passages_per_s": round(embedded / embed_s, 1),
            "records_per_s": round(records / (imported + embed_s), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "CPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.child[0], int(args.child[1]), args.records)))
        return
    rows = []
    env = os.environ | {"RAY_USAGE_STATS_ENABLED": "0"}
    for engine, cpus in (("local", os.cpu_count() or 1), ("ray", 1), ("ray", 2)):
        done = subprocess.run([sys.executable, __file__, "--records", str(args.records),
                               "--child", engine, str(cpus)], capture_output=True, text=True,
                              env=env, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print("| engine | workers | records | passages | import s | embedding s | passages/s | "
          "records/s end to end |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['workers']} | {r['records']:,} | {r['passages']:,} | "
              f"{r['import_s']} | {r['embed_s']} | {r['passages_per_s']} | {r['records_per_s']} |")
    local, one, two = rows
    efficiency = two["passages_per_s"] / (2 * one["passages_per_s"])
    print(f"scaling efficiency (2 workers / twice 1 worker): {efficiency:.2f}; "
          f"ray with 2 workers / local engine: {two['passages_per_s'] / local['passages_per_s']:.2f}")
    per_passage = one["passages"] / one["records"]
    for workers in (1, 2, 8, 32, 128):
        rate = one["passages_per_s"] * workers * (efficiency if workers > 1 else 1)
        hours = ABSTRACTS * per_passage / rate / 3600
        print(f"projected embedding of {ABSTRACTS:,} abstracts on {workers} workers: {hours:.1f} h")


if __name__ == "__main__":
    main()
