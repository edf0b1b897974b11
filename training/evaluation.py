"""Record a measured accuracy figure in the shipped verifier's metadata.

Reports quote the figure from the weights they used (``evaluation`` in the adapter file's
``synth`` metadata), never from prose, so it must be written here after each measurement:

    python bench/verify_backends.py              # prints the default's row
    python -m training.evaluation --macro-f1 0.524 --contradict-f1 0.421 --ece 0.095 \
        --claims 809 --date 2026-11-23

A full training run or a decider refit writes new metadata without ``evaluation`` (its
figures belong to the old weights), so reports say no figure is measured until this is run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from synth.verification.xenc import XENC_PATH, read_adapters
from training.verifier import write_weights


def record(path: Path, figure: dict, key: str = "evaluation") -> dict:
    """Rewrite ``path`` with the same tensors and ``figure`` under ``key`` in its metadata
    (``evaluation``, or ``support_precision`` from ``bench/support_precision.py``); written
    beside it and moved into place, so a killed run leaves the old file whole."""
    tensors, meta = read_adapters(path)
    meta[key] = figure
    partial = path.with_name(path.name + ".partial")
    write_weights(partial, tensors, meta)
    partial.replace(path)
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--macro-f1", type=float, required=True)
    parser.add_argument("--contradict-f1", type=float, required=True)
    parser.add_argument("--ece", type=float, required=True)
    parser.add_argument("--claims", type=int, required=True)
    parser.add_argument("--date", required=True)
    parser.add_argument("--path", type=Path, default=XENC_PATH)
    a = parser.parse_args()
    record(a.path, {"data": "SciFact train claims, open retrieval over its 5,183 abstracts "
                            "(never used for fitting)", "claims": a.claims,
                    "macro_f1": a.macro_f1, "contradict_f1": a.contradict_f1, "ece": a.ece,
                    "measured_by": "python bench/verify_backends.py", "date": a.date})


if __name__ == "__main__":
    main()
