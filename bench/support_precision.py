"""How far a "verified" mark can be trusted: the precision of "its paper supports it" by confidence.

    python bench/support_precision.py [--limit N] [--record]

A report marks a paraphrased claim "verified" when its own paper supports it with at least a
stated confidence, and "weak" below it. This measures, for the shipped verifier, what that
threshold buys: each labelled claim is checked against each paper it cites (alone, as a report
checks a claim against its source), and for every threshold the table gives how many pairs the
verifier calls supported at that confidence or more, and the share of them whose gold label is
SUPPORT (precision), with the share of gold SUPPORT pairs so marked (recall).

Two data sets, read in place: Citation-Integrity train (MIT, citation sentences against the
cited paper's abstract) chooses the threshold: the lowest whose precision reaches
:data:`TARGET` (or the most precise, if none does); SciFact train (CC BY-NC, evaluation only)
measures the same threshold on claims written by annotators. Neither was used to fit the
verifier. ``--record`` writes the threshold and both precisions into the shipped adapter file's
metadata (``support_precision``), where reports read them.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from _common import DATA, OUT

from synth.errors import InvalidClaim
from synth.library.snapshot import import_snapshot
from synth.search.embed import CachedEmbedder, load_embedder
from synth.search.hybrid import Searcher
from synth.store.db import open_store
from synth.verification.backends import load_scorer
from synth.verification.evaluate import load_claims
from synth.verification.verify import verify_claim
from synth.verification.xenc import XENC_PATH
from training.evaluation import record

SETS = {"citation-integrity": DATA / "nli" / "citation-integrity",
        "scifact": DATA / "scifact"}
THRESHOLDS = [round(0.34 + 0.02 * i, 2) for i in range(29)]
TARGET = 0.8
MIN_MARKED = 30


def scored_pairs(name: str, folder: Path, limit: int | None) -> list[tuple[float | None, str]]:
    """(confidence of "supported", or None when not supported; gold label) per cited paper."""
    store = open_store(OUT / f"{name}-home" / "library.db")
    import_snapshot(store, folder / "corpus.jsonl")
    embedder = CachedEmbedder(store, load_embedder())
    searcher = Searcher(store, embedder)
    scorer = load_scorer("synth-xenc", embedder)
    pairs = []
    for claim in load_claims(folder / "claims_train.jsonl", limit):
        evidence = claim.get("evidence", {})
        for doc in claim.get("cited_doc_ids", []):
            sets = evidence.get(str(doc), [])
            gold = sets[0]["label"] if sets else "NEI"
            try:
                verdict = verify_claim(claim["claim"], searcher, scorer, paper_ids=[str(doc)],
                                       source_paper_id=str(doc))
            except InvalidClaim:  # not one checkable statement: a report never holds it
                break
            supported = verdict.grounded == "supported"
            pairs.append((verdict.grounded_confidence if supported else None, gold))
    return pairs


def table(pairs: list[tuple[float | None, str]]) -> list[dict]:
    gold_support = sum(g == "SUPPORT" for _, g in pairs)
    rows = []
    for t in THRESHOLDS:
        marked = [g for c, g in pairs if c is not None and c >= t]
        right = sum(g == "SUPPORT" for g in marked)
        rows.append({"threshold": t, "supported": len(marked),
                     "precision": round(right / len(marked), 3) if marked else None,
                     "recall": round(right / gold_support, 3) if gold_support else None})
    return rows


def choose(rows: list[dict]) -> dict:
    """The lowest threshold reaching TARGET with MIN_MARKED pairs; else the most precise."""
    measured = [r for r in rows if r["precision"] is not None]
    enough = [r for r in measured if r["supported"] >= MIN_MARKED] or measured or rows
    reached = [r for r in enough if (r["precision"] or 0) >= TARGET]
    if reached:
        return reached[0]
    return max(enough, key=lambda r: r["precision"] or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="claims per data set")
    parser.add_argument("--record", action="store_true",
                        help="write the chosen threshold and precisions into the shipped "
                             "verifier's metadata")
    args = parser.parse_args()
    tables = {}
    for name, folder in SETS.items():
        pairs = scored_pairs(name, folder, args.limit)
        tables[name] = {"pairs": len(pairs),
                        "gold_support": sum(g == "SUPPORT" for _, g in pairs),
                        "rows": table(pairs)}
        print(f"\n{name} train: {len(pairs)} (claim, cited paper) pairs, "
              f"{tables[name]['gold_support']} of them SUPPORT")
        print("| confidence >= | marked supported | precision | recall |\n|---|---|---|---|")
        for r in tables[name]["rows"]:
            shown = "-" if r["precision"] is None else f"{r['precision']:.3f}"
            print(f"| {r['threshold']:.2f} | {r['supported']} | {shown} | {r['recall']:.3f} |")
    chosen = choose(tables["citation-integrity"]["rows"])
    t = chosen["threshold"]
    at = {name: next(r for r in tab["rows"] if r["threshold"] == t)
          for name, tab in tables.items()}
    print(f"\nthreshold {t:.2f} (chosen on Citation-Integrity train, target precision "
          f"{TARGET}): " + "; ".join(f"{name} precision {r['precision']}, {r['supported']} "
                                     f"marked of {tables[name]['pairs']} pairs"
                                     for name, r in at.items()))
    (OUT / "support_precision.json").write_text(json.dumps(tables, indent=2))
    if args.record:
        figures = {name: {"precision": r["precision"], "supported": r["supported"],
                          "pairs": tables[name]["pairs"], "recall": r["recall"]}
                   for name, r in at.items()}
        record(XENC_PATH, {"threshold": t, **figures,
                           "measured_by": "python bench/support_precision.py --record",
                           "date": date.today().isoformat()}, key="support_precision")
        print(f"recorded in {XENC_PATH}")


if __name__ == "__main__":
    main()
