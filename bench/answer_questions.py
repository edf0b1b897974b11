"""Eight questions asked offline of the 3,849-paper LLM-efficiency library, each report read:
kept papers, claims, on-point claims, the answer line, the score.

    python bench/answer_questions.py [--home bench/out/bible-home] [--show N]

The library (``llm_bible_efficiency_subset.jsonl``, imported and embedded once into
``--home``, about 4 minutes on 2 cores) is reused between runs. ``--show N`` also prints the
claims of question N (1-8) with their relevance, for reading which are truly on point.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from _common import DATA, OUT

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

LIBRARY = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"
QUESTIONS = [
    "How does the inference efficiency of SecLM-fine-tuned Llama3, Codestral and Deepseek R1 "
    "vary across programming languages on edge devices?",
    "Do small language models match large language models on text classification?",
    "Does quantization reduce the memory and inference cost of large language models?",
    "How does LoRA compare with full fine-tuning of large language models?",
    "Does speculative decoding speed up inference of large language models?",
    "Can retrieval augmentation reduce hallucination in large language models?",
    "Do chain-of-thought prompts improve reasoning in small language models?",
    "What are the risks of prompt injection attacks against LLM agents?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=OUT / "bible-home")
    parser.add_argument("--show", type=int, action="append", default=[])
    args = parser.parse_args()

    from synth.config import load_settings
    from synth.library.ingest import ingest
    from synth.pipeline.run import run_ask
    from synth.records.options import RunOptions
    from synth.report.render import detex
    from synth.search.embed import embed_missing, load_embedder
    from synth.store.db import open_store

    settings = load_settings(env={}, home=args.home)
    embedder = load_embedder()
    with open_store(settings.db_path) as store:
        if store.counts()["papers"] == 0:
            ingest(store, settings, [str(LIBRARY)])
        embed_missing(store, embedder)
        print("| # | question | kept papers | claims | on point | answer | score | s |")
        print("|---|---|---|---|---|---|---|---|")
        for i, question in enumerate(QUESTIONS, start=1):
            start = time.perf_counter()
            report = run_ask(store, settings, embedder, question, RunOptions(source="library"))
            seconds = time.perf_counter() - start
            assert report.answer is not None
            kept = sum(p.kept for p in report.papers)
            on_point = sum(c.on_point for c in report.claims)
            print(f"| {i} | {question} | {kept} | {len(report.claims)} | {on_point} | "
                  f"{detex(report.answer.text)} | {report.score:.1f} | {seconds:.1f} |")
            if i in args.show:
                for c in report.claims:
                    print(f"    C{c.n} {c.relevance} {'on' if c.on_point else 'off'} "
                          f"{c.stance or '-'} {c.claim_type}: {c.text}")


if __name__ == "__main__":
    main()
