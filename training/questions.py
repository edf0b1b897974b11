"""PubMedQA-L's labelled questions as JSON Lines for ``synth eval judge``.

    python -m training.questions ../shared/data/pubmedqa [--part fitting|held] > FILE

Each line is ``{"id", "question", "text", "answer"}``: the question, its abstract without the
conclusion (the CONTEXTS joined, as ``bench/pubmedqa.py`` stores them) and the expert's
yes / no / maybe. ``fitting`` (the default) is the part outside the held share of
:func:`training.stance.held`, the questions synth may be fitted on; ``held`` is the part it
is measured on and never fitted on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from training.stance import held


def questions(folder: Path, part: str) -> list[dict]:
    items = json.loads((folder / "pqal_dev.json").read_text())
    return [{"id": f"pmid{pmid}", "question": item["QUESTION"],
             "text": " ".join(item["CONTEXTS"]), "answer": item["final_decision"]}
            for pmid, item in items.items() if held(pmid) == (part == "held")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pubmedqa", type=Path, help="the pubmedqa/ data folder")
    parser.add_argument("--part", choices=("fitting", "held"), default="fitting")
    args = parser.parse_args()
    for row in questions(args.pubmedqa, args.part):
        sys.stdout.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
