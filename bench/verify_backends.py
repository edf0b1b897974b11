"""Verification backends side by side on SciFact train (open retrieval, 5,183 abstracts).

    python bench/verify_backends.py [--home bench/out/scifact-home] [--limit N] [--weights FILE ...]

Rows, all measured in this run on the same claims:

1. the naive offline stack, from ``bench/out/verify_naive.json`` when ``bench/verify_naive.py``
   has written it (run that first; it needs the unlicensed aegis model, installed by hand);
2. each scorer through the real pipeline (``synth.verification.verify``) with its own decider: the default
   ``synth-xenc`` (claim classifier fitted on Check-COVID) and the older ``synth-head``
   (thresholds 0.5); also ``synth-xenc`` with plain 0.5 thresholds;
3. ``synth-xenc`` with its claim classifier refitted on SciFact train by 5-fold
   cross-validation: a measurement of what the scores allow, not shippable (SciFact is CC BY-NC);
4. each ``--weights`` adapter file (``python -m training.verifier`` writes them) in the same three
   ways: its own decider, 0.5 thresholds, a decider refitted on SciFact by 5-fold CV.

Every scorer's figures come from the Check-COVID-trained model on SciFact claims it never saw.
Throughput is claims per second on this machine, split into retrieval and scoring seconds;
passage embeddings are already in the library, and no evidence sentence needs embedding for
``synth-xenc`` (``synth-head`` embeds them once, then reads them from the library).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import DATA, OUT

from synth.library.snapshot import import_snapshot
from synth.search.embed import CachedEmbedder, load_embedder
from synth.search.hybrid import Searcher
from synth.store.db import open_store
from synth.verification.backends import load_scorer
from synth.verification.decide import Thresholds
from synth.verification.evaluate import EvalReport, gold_label, load_claims, report
from synth.verification.verify import Timings, decide, score_evidence
from synth.verification.xenc import XencScorer
from training.fitting import fit_claim_decider

SCIFACT = DATA / "scifact"
VERDICT_OF = {"SUPPORT": "supported", "CONTRADICT": "contradicted", "NEI": "insufficient"}
HEADER = ("| backend | decider | macro-F1 | SUPPORT | CONTRADICT | NEI | abstract F1 | recall@3 "
          "| ECE | claims/s | retrieval s | scoring s |")


def row(name: str, decider: str, r: EvalReport) -> str:
    f = r.f1_by_class
    return (f"| {name} | {decider} | **{r.macro_f1:.3f}** | {f['SUPPORT']:.3f} | "
            f"{f['CONTRADICT']:.3f} | {f['NEI']:.3f} | {r.abstract_label_f1:.3f} | "
            f"{r.retrieval_recall_top3:.3f} | {r.ece:.3f} | {r.claims_per_second:.1f} | "
            f"{r.retrieval_seconds:.0f} | {r.scoring_seconds:.0f} |")


def naive_row(figures: dict | None = None, name: str = "naive stack (BM25 top 3, MiniLM "
              "cosine, aegis 2-way) | 2 thresholds, 5-fold CV on SciFact",
              recall: bool = True) -> str | None:
    """The naive stack's table row from its figures (by default bench/out/verify_naive.json,
    None when it has not been written); ``recall``: with the recall@3 column."""
    path = OUT / "verify_naive.json"
    if figures is None and not path.is_file():
        return None
    n = figures or json.loads(path.read_text())
    f, sec = n["f1_by_class"], n["seconds"]
    scoring = sec.get("embedding", 0) + sec.get("contradiction", 0)
    top3 = f" {n['retrieval_recall_top3']:.3f} |" if recall else ""
    return (f"| {name} | **{n['macro_f1']:.3f}** | {f['SUPPORT']:.3f} | {f['CONTRADICT']:.3f} "
            f"| {f['NEI']:.3f} | {n['abstract_label_f1']:.3f} |{top3} "
            f"{n['ece_uncalibrated']:.3f} | {n['claims_per_second']:.1f} | "
            f"{sec.get('retrieval', 0):.0f} | {scoring:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=OUT / "scifact-home")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--weights", type=Path, action="append", default=[],
                        help="a candidate adapter file, measured like synth-xenc")
    args = parser.parse_args()
    store = open_store(args.home / "library.db")
    import_snapshot(store, SCIFACT / "corpus.jsonl")
    embedder = CachedEmbedder(store, load_embedder())
    searcher = Searcher(store, embedder)
    claims = load_claims(SCIFACT / "claims_train.jsonl", args.limit)
    lines = [HEADER, "|" + "---|" * 12]
    if naive := naive_row():
        lines.append(naive)
    results = {}
    scorers = [(name, lambda n=name: load_scorer(n, embedder))
               for name in ("synth-xenc", "synth-head")]
    scorers += [(path.name, lambda p=path: XencScorer(p)) for path in args.weights]
    for name, make in scorers:
        scorer = make()
        timings = Timings()
        start = time.perf_counter()
        scored = []
        for c in claims:
            per_paper = score_evidence(c["claim"], searcher, scorer, timings=timings)
            scored.append(per_paper)
        seconds = time.perf_counter() - start
        own = getattr(scorer, "decider", None)
        deciders = [(own, "its claim classifier (held-in data)")] if own else []
        deciders.append((Thresholds(), "thresholds 0.5"))
        for decider, described in deciders:
            verdicts = [decide(c["claim"], s, name, decider) for c, s in zip(claims, scored)]
            r = report(claims, verdicts, name, seconds, timings)
            lines.append(row(name, described, r))
            results[f"{name} / {described}"] = r.model_dump()
        if name != "synth-head":
            _, cv = fit_claim_decider(scored, [VERDICT_OF[gold_label(c)] for c in claims])
            f = cv["oof_f1_by_class"]
            lines.append(f"| {name} | claim classifier, 5-fold CV on SciFact (experiment) | "
                         f"**{cv['oof_macro_f1']:.3f}** | {f['supported']:.3f} | "
                         f"{f['contradicted']:.3f} | {f['insufficient']:.3f} | | | "
                         f"{cv['oof_ece_after']:.3f} | | | |")
            results[f"{name} / SciFact CV"] = cv
    print(f"{len(claims)} SciFact train claims, open retrieval\n")
    print("\n".join(lines))
    (OUT / "verify_backends.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
