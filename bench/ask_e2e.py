"""``synth ask`` end to end, offline, on the 19,124-paper LLM-Bible library: seconds
for a question's first run (cold: nothing of it stored yet) and its second run (warm), each as
its own ``synth`` process, so model loading counts. Targets: cold ≤ 60 s, warm ≤ 5 s.

    python bench/ask_e2e.py --home bench/out/scale-home [--questions 3]

``--home`` is a library built by ``bench/scale.py`` (import and embeddings of
llm_bible_papers.jsonl.gz); it is copied to a temp folder first, so every run starts with no
stored extractions, verdicts or reports and the original is left as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTIONS = [
    "Does quantization reduce the inference cost of large language models?",
    "Can retrieval augmentation reduce hallucination in large language models?",
    "How does LoRA compare with full fine-tuning of large language models?",
    "Do chain-of-thought prompts improve reasoning in small language models?",
    "What are the risks of prompt injection attacks against LLM agents?",
]


def ask(home: Path, question: str, out: Path) -> tuple[float, dict]:
    env = {**os.environ, "SYNTH_HOME": str(home)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "synth", "ask", "-q", "--source", "library",
                    "--format", "json", "--out", str(out), question],
                   env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    newest = max(out.glob("*.json"), key=lambda p: p.stat().st_mtime)
    return seconds, json.loads(newest.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        shutil.copy(args.home / "library.db", home / "library.db")
        cold, warm = [], []
        for question in QUESTIONS[:args.questions]:
            c, report = ask(home, question, Path(tmp) / "out")
            w, _ = ask(home, question, Path(tmp) / "out")
            cold.append(c)
            warm.append(w)
            r = report["results"]
            stages = ", ".join(f"{k} {v:.1f}" for k, v in report["seconds"].items())
            print(f"cold {c:5.1f} s, warm {w:4.1f} s | kept {r['papers_kept']}/"
                  f"{r['papers_retrieved']}, claims {r['claims_verified']}/"
                  f"{r['claims_extracted']} verified, score {report['score']} | cold stages: "
                  f"{stages} | {question}")
    print(f"median cold {statistics.median(cold):.1f} s (target 60: ratio "
          f"{statistics.median(cold) / 60:.2f}), median warm {statistics.median(warm):.1f} s "
          f"(target 5: ratio {statistics.median(warm) / 5:.2f}), {len(cold)} questions")


if __name__ == "__main__":
    main()
