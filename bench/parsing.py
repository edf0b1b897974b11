"""PDF parsing speed and outcome: ``synth.parsing.pdf.parse_pdf`` over the 11 real arXiv PDFs in
../shared/data/arxiv-pdfs, each parsed ``--repeats`` times (default 3; the best time counts).

Prints per file: pages, best seconds, pages/s, passages, full-text characters and the parse
problems (kind@page); then the totals.

    python bench/parsing.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import logging

from _common import DATA, Timer

from synth.parsing.pdf import parse_pdf
from synth.records.papers import ParsedText

PDFS = DATA / "arxiv-pdfs"


def best_parse(data: bytes, paper_id: str, path: str, repeats: int) -> tuple[ParsedText, float]:
    best, parsed = float("inf"), None
    for _ in range(repeats):
        with Timer() as t:
            parsed = parse_pdf(data, paper_id, path)
        best = min(best, t.seconds)
    assert parsed is not None
    return parsed, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # problems are printed in the table instead
    print(f"{'file':<44}{'pages':>6}{'best s':>8}{'pages/s':>9}{'passages':>9}{'chars':>8}"
          "  problems")
    pages = passages = 0
    seconds = 0.0
    for pdf in sorted(PDFS.glob("*.pdf")):
        parsed, best = best_parse(pdf.read_bytes(), pdf.stem, str(pdf), args.repeats)
        problems = ", ".join(f"{p.kind}@{p.page}" for p in parsed.problems) or "-"
        print(f"{pdf.name:<44}{parsed.pages:>6}{best:>8.3f}{parsed.pages / best:>9.1f}"
              f"{len(parsed.passages):>9}{len(parsed.fulltext):>8}  {problems}")
        pages, passages, seconds = pages + parsed.pages, passages + len(parsed.passages), seconds + best
    print(f"{'total':<44}{pages:>6}{seconds:>8.3f}{pages / seconds:>9.1f}{passages:>9}")


if __name__ == "__main__":
    main()
