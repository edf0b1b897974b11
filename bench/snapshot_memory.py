"""Import of a multi-million-line snapshot at constant memory: records/s and resident memory
sampled as the import goes.

    python bench/snapshot_memory.py [--lines 2000000] [--every 100000]

The file is made from the 19,124 LLM-Bible records (``../shared/data/arxiv-abstracts``),
repeated with ids made unique (``<id>-r<k>``) and "(copy k)" after the title and around the
abstract, so every line is a new paper with new passage texts (but the middle passage of an
abstract long enough for three),
written gzip-compressed to a temp folder and imported with ``synth``'s own
``import_snapshot`` into a fresh temp library (no embedding: that is ``bench/ray_engine.py``).
The resident set (VmRSS) is read every ``--every`` records; constant memory means it stays
flat while the records and the library file grow. ``--keep DIR`` keeps the library for
``bench/search_at_scale.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA

SOURCE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_papers.jsonl.gz"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_snapshot(path: Path, lines: int) -> None:
    with gzip.open(SOURCE, "rt") as lines_in:
        records = [json.loads(line) for line in lines_in]
    with gzip.open(path, "wt", compresslevel=1) as out:
        for n in range(lines):
            record = records[n % len(records)]
            k = n // len(records)
            copy = f" (copy {k})" if k else ""  # a new text too, so a new passage sha
            out.write(json.dumps({"id": f"{record.get('arxiv_id') or record['bibkey']}-r{k}",
                                  "title": record["title"] + copy,
                                  "abstract": copy.strip() + " " + record["abstract"] + copy
                                  if k else record["abstract"]}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--every", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="make the library in this folder and keep it (bench/search_at_scale.py)")
    args = parser.parse_args()

    from synth.library.snapshot import import_snapshot
    from synth.store.db import open_store

    with tempfile.TemporaryDirectory(prefix="snapshot-memory-") as tmp:
        snapshot = Path(tmp) / "snapshot.jsonl.gz"
        start = time.perf_counter()
        write_snapshot(snapshot, args.lines)
        print(f"wrote {args.lines:,} lines ({snapshot.stat().st_size / 1e6:.0f} MB gzip) in "
              f"{time.perf_counter() - start:.0f} s", file=sys.stderr)
        samples: list[tuple[int, float, float]] = []
        begin = time.perf_counter()
        next_mark, n = args.every, 0

        def progress(batch: int) -> None:  # import_snapshot reports each batch's size
            nonlocal next_mark, n
            n += batch
            if n >= next_mark:
                samples.append((n, time.perf_counter() - begin, rss_mb()))
                print(f"{n:,} records, {samples[-1][1]:.0f} s, RSS {samples[-1][2]:.0f} MB",
                      file=sys.stderr, flush=True)
                next_mark += args.every

        library = (args.keep or Path(tmp)) / "library.db"
        library.parent.mkdir(parents=True, exist_ok=True)
        with open_store(library) as store:
            before = rss_mb()
            report = import_snapshot(store, snapshot, progress)
            seconds = time.perf_counter() - begin
        size = sum(p.stat().st_size for p in library.parent.glob("library.db*"))
        print("| records | seconds | records/s | RSS MB at start | RSS MB samples | "
              "peak sampled | library MB |")
        print("|---|---|---|---|---|---|---|")
        print(f"| {report.added_count:,} | {seconds:.0f} | {report.added_count / seconds:,.0f} | "
              f"{before:.0f} | {', '.join(f'{r:.0f}' for _, _, r in samples)} | "
              f"{max(r for _, _, r in samples):.0f} | {size / 1e6:,.0f} |")


if __name__ == "__main__":
    main()
