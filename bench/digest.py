"""Digest cards (issue 7), offline: cards per second over the 11 PDFs, and how complete they
are.

    python bench/digest.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import DATA, Timer  # noqa: E402
from synth.config import load_settings  # noqa: E402
from synth.digest import card  # noqa: E402
from synth.ingest import ingest  # noqa: E402
from synth.render import render_card  # noqa: E402
from synth.store import open_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-digest-") as tmp:
        settings = load_settings(env={}, home=Path(tmp))
        with open_store(settings.db_path) as store:
            ingest(store, settings, [str(DATA / "arxiv-pdfs")])
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


if __name__ == "__main__":
    main()
