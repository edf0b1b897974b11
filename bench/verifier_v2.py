"""The shipped verifier against candidate weights, side by side in one run.

    python bench/verifier_v2.py [--candidate FILE ...] [--limit N] [--pairs N]

For the shipped ``synth-xenc`` weights and each ``--candidate`` adapter file (written by
``python -m training.verifier``), each through the real pipeline with its own claim decider:

* SciFact train (809 claims, open retrieval over its 5,183 abstracts, never trained on):
  claim-level macro-F1, per-class F1, abstract-level F1, ECE, claims/s with its split;
* Citation-Integrity dev (316 claims, open retrieval over its 3,063 passages; held-in data
  the decider may be fitted on, so a check of the domain, not a held-out figure);
* pair-level macro-F1 on each training set's held-back slice (:mod:`training.nli`, at most
  ``--pairs`` pairs each, pairs no stage trained on).

The naive stack (``bench/verify_naive.py``) runs on SciFact train in the same run when its
contradiction model is installed (it states no licence, so it is installed by hand for this
measurement only; without it the row is left out and the run says how to add it). Figures go
to ``bench/out/verifier_v2.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import verify_naive
from _common import DATA, OUT
from verify_backends import naive_row

from synth.library.snapshot import import_snapshot
from synth.search.embed import CachedEmbedder, load_embedder
from synth.search.hybrid import Searcher
from synth.store.db import open_store
from synth.verification.evaluate import EvalReport, load_claims, report
from synth.verification.pairs import pair_report
from synth.verification.scorers import LABELS
from synth.verification.verify import Timings, verify_claim
from synth.verification.xenc import XENC_PATH, XencScorer
from training import nli

HEADER = ("| weights | set | macro-F1 | SUPPORT | CONTRADICT | NEI | abstract F1 | ECE | claims/s "
          "| retrieval s | scoring s |")


def claim_row(weights: str, name: str, r: EvalReport) -> str:
    f = r.f1_by_class
    return (f"| {weights} | {name} | **{r.macro_f1:.3f}** | {f['SUPPORT']:.3f} | "
            f"{f['CONTRADICT']:.3f} | {f['NEI']:.3f} | {r.abstract_label_f1:.3f} | {r.ece:.3f} | "
            f"{r.claims_per_second:.1f} | {r.retrieval_seconds:.0f} | {r.scoring_seconds:.0f} |")


def claim_level(scorer: XencScorer, folder: Path, claims_file: str, home: Path,
                limit: int | None) -> EvalReport:
    store = open_store(home / "library.db")
    import_snapshot(store, folder / "corpus.jsonl")
    searcher = Searcher(store, CachedEmbedder(store, load_embedder()))
    claims = load_claims(folder / claims_file, limit)
    timings = Timings()
    start = time.perf_counter()
    verdicts = [verify_claim(c["claim"], searcher, scorer, timings=timings) for c in claims]
    seconds = time.perf_counter() - start
    store.close()
    return report(claims, list(verdicts), scorer.name, seconds, timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", type=Path, action="append", default=[])
    parser.add_argument("--limit", type=int, help="claims per claim-level set at most")
    parser.add_argument("--pairs", type=int, default=1000, help="pairs per held-back slice")
    args = parser.parse_args()
    slices = {name: nli.sample(nli.load(DATA / "nli", name)[1], args.pairs) for name in nli.SETS}
    lines, pair_lines, results = [HEADER, "|" + "---|" * 11], [], {}
    if verify_naive.installed():
        lines.append(naive_row(verify_naive.measure(OUT / "scifact-home", args.limit),
                               "naive stack (thresholds 5-fold CV on SciFact) | SciFact train",
                               recall=False) or "")
    else:
        print(f"no naive stack row: {verify_naive.INSTALL}")
    for path in [XENC_PATH, *args.candidate]:
        label = "shipped synth-xenc" if path == XENC_PATH else path.name
        scorer = XencScorer(path)
        out = results[label] = {}
        for name, folder, claims_file, home in (
                ("SciFact train", DATA / "scifact", "claims_train.jsonl", OUT / "scifact-home"),
                ("Citation-Integrity dev", DATA / "nli" / "citation-integrity",
                 "claims_dev.jsonl", OUT / "citint-home")):
            r = claim_level(scorer, folder, claims_file, home, args.limit)
            lines.append(claim_row(label, name, r))
            out[name] = r.model_dump()
        cells = []
        for name, pairs in slices.items():
            start = time.perf_counter()
            probs = scorer.score([(c, e) for c, e, _ in pairs])
            p = pair_report(label, [LABELS[y] for *_, y in pairs], probs,
                            time.perf_counter() - start)
            out[f"pairs {name}"] = p.model_dump()
            cells.append(f"{p.macro_f1:.3f}")
        pair_lines.append(f"| {label} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print("\npair-level macro-F1 on each set's held-back slice "
          f"({', '.join(f'{n} {len(s)}' for n, s in slices.items())} pairs)\n")
    print("| weights | " + " | ".join(slices) + " |\n|" + "---|" * (len(slices) + 1))
    print("\n".join(pair_lines))
    (OUT / "verifier_v2.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
