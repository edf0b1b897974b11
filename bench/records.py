"""Reports as records: batch throughput with 1 and 2 workers, and regenerating 100
stored reports from the render stage and from the verify stage, against running them from
scratch.

    python bench/records.py [--home DIR]

The library is the 3,849-paper LLM-efficiency slice of LLM-Bible (built in DIR on the first
run, ~4 min to import and embed; default bench/out/efficiency-home), copied to a temp folder
so every run starts with no reports. 100 questions (20 topics × 5 patterns, offline, 3 papers
each):
- questions 1-20 run as a batch with 1 worker, 21-40 with 2 workers: questions/s from
  scratch, each run's model loading included; 41-100 with 2 workers to fill the library;
- then all 100 are regenerated in one process from ``render`` and from ``verify``, each new
  version rendered to Markdown, HTML and JSON: reports/s, and the speed-up over the 2-worker
  from-scratch rate measured above.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import DATA, OUT  # noqa: E402
from synth.config import load_settings  # noqa: E402
from synth.library.ingest import ingest
from synth.pipeline.batch import batch
from synth.pipeline.regenerate import regenerate
from synth.report.render import render
from synth.search.embed import LazyEmbedder, embed_missing, load_embedder
from synth.store.db import open_store

SLICE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"
TOPICS = ["quantization", "pruning", "knowledge distillation", "speculative decoding",
          "mixture of experts", "low-rank adaptation", "KV cache compression", "early exit",
          "sparse attention", "token pruning", "model merging", "FlashAttention",
          "parameter sharing", "prompt compression", "batching", "caching", "compilation",
          "long context", "retrieval augmentation", "small language models"]
PATTERNS = ["Does {} make large language model inference cheaper?",
            "How does {} affect the accuracy of large language models?",
            "What are the limitations of {} for language models?",
            "Can {} reduce the memory footprint of LLMs?",
            "Is {} effective for small language models?"]


def build(home: Path) -> None:
    settings = load_settings(env={}, home=home)
    with open_store(settings.db_path) as store:
        if store.counts()["papers"] >= 3800:
            return
        ingest(store, settings, [str(SLICE)])
        embed_missing(store, load_embedder(settings.embed_model))


def write_batch(path: Path, questions: list[str]) -> Path:
    path.write_text("".join(json.dumps({"question": q, "max_papers": 3, "source": "library"})
                            + "\n" for q in questions))
    return path


def timed_batch(settings, path: Path, workers: int) -> float:
    start = time.perf_counter()
    rows = batch(settings, path, workers=workers)
    assert all(r["report_id"] for r in rows), rows
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=OUT / "efficiency-home")
    args = parser.parse_args()
    build(args.home)
    questions = [p.format(t) for p in PATTERNS for t in TOPICS]
    with tempfile.TemporaryDirectory(prefix="bench-records-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        shutil.copy(args.home / "library.db", home / "library.db")
        settings = load_settings(env={}, home=home)
        one = timed_batch(settings, write_batch(Path(tmp) / "a.jsonl", questions[:20]), 1)
        two = timed_batch(settings, write_batch(Path(tmp) / "b.jsonl", questions[20:40]), 2)
        timed_batch(settings, write_batch(Path(tmp) / "c.jsonl", questions[40:]), 2)
        print(f"batch from scratch, 20 questions: 1 worker {one:.1f} s = {20 / one:.2f} "
              f"questions/s; 2 workers {two:.1f} s = {20 / two:.2f} questions/s "
              f"(speed-up {one / two:.2f}x)")
        scratch = 20 / two
        embedder = LazyEmbedder(settings.embed_model)
        with open_store(settings.db_path) as store:
            ids = [r["id"] for r in store.reports()]
            for stage in ("render", "verify"):
                start = time.perf_counter()
                for rid in ids:
                    report = regenerate(store, settings, embedder, rid, stage)
                    for fmt in ("md", "html", "json"):
                        render(report, fmt)
                seconds = time.perf_counter() - start
                rate = len(ids) / seconds
                print(f"regenerate {len(ids)} reports from {stage}: {seconds:.1f} s = "
                      f"{rate:.2f} reports/s, {rate / scratch:.1f}x the from-scratch rate "
                      f"({scratch:.2f}/s with 2 workers)")


if __name__ == "__main__":
    main()
