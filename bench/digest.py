"""Digest cards: cards per second over the 11 PDFs offline, and how complete they
are; with ``--model GGUF``, seconds and tokens per card with that model on a local llama.cpp
server (the first ``--papers`` PDFs, by id).

    python bench/digest.py [--repeats 3]
    python bench/digest.py --model qwen2.5-coder-1.5b-instruct-q4_k_m.gguf [--papers 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Timer, pdf_library  # noqa: E402
from synth.cards.card import card
from synth.report.render import render_card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", type=Path, help="a GGUF model: measure the LLM card")
    parser.add_argument("--papers", type=int, default=3)
    args = parser.parse_args()
    if args.model:
        llm_cards(args.model, args.papers)
        return
    with tempfile.TemporaryDirectory(prefix="bench-digest-") as tmp:
        with pdf_library(Path(tmp)) as (store, settings):
            ids = store.paper_ids()
            best = float("inf")
            for _ in range(args.repeats):
                with Timer() as t:
                    cards = [card(store, settings, pid) for pid in ids]
                    for c in cards:
                        for fmt in ("md", "html", "json"):
                            render_card(c, fmt)
                best = min(best, t.seconds)
    print(f"{len(ids)} cards (built and rendered to md, html, json; best of {args.repeats}): "
          f"{best:.3f} s = {len(ids) / best:.1f} cards/s")
    print(f"completeness: median {statistics.median(c.completeness for c in cards):.3f}, "
          f"min {min(c.completeness for c in cards):.3f}; findings per card "
          f"{statistics.mean(len(c.findings) for c in cards):.1f}, result rows "
          f"{sum(len(c.results) for c in cards)}, entities "
          f"{sum(len(c.entities) for c in cards)}")


def llm_cards(model: Path, papers: int) -> None:
    from synth.llm.client import LLM
    from tests.llama_server import start_server

    with tempfile.TemporaryDirectory(prefix="bench-digest-llm-") as tmp:
        proc, url = start_server(model, Path(tmp) / "server.log", n_ctx=8192)
        try:
            with pdf_library(Path(tmp) / "home", llm_base_url=url, llm_model=model.stem,
                             llm_mode="tools", llm_timeout=900) as (store, settings):
                for pid in store.paper_ids()[:papers]:
                    llm = LLM(settings, store=store)
                    with Timer() as t:
                        c = card(store, settings, pid, llm=llm)
                    u = llm.usage
                    kept = sum(map(len, (c.problem, c.contributions, c.findings,
                                         c.limitations))) + bool(c.tldr)
                    print(f"{pid}: {t.seconds:.1f} s, {u.calls} calls, {u.tokens_in} tokens in, "
                          f"{u.tokens_out} out; {kept} items in the written sections, "
                          f"{c.dropped} LLM items dropped; "
                          f"written by {c.written_by}{'; ' + c.notes[0] if c.notes else ''}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
