"""Claim deciders for one set of verifier weights, fitted several ways, measured on SciFact train.

    python bench/decider_fits.py [--weights FILE | --teacher DIR] [--gate 0.3 ...]

The weights' evidence is scored once (the real pipeline: open retrieval, sentence selection,
the cross-encoder) for the 809 SciFact train claims and for the held-in claims a decider may be
fitted on (Check-COVID's held claims and Citation-Integrity dev, as ``python -m
training.verifier`` builds them). Then, for each word gate (``MIN_COVERAGE``; 0.3 ships),
deciders are fitted on Check-COVID held claims, on Citation-Integrity dev, and on both, and
each is measured on SciFact: claim-level macro-F1, per-class F1, accuracy, mean confidence and
ECE (SciFact is never fitted on). A last line, per gate, is a decider fitted on SciFact itself
by 5-fold cross-validation: the ceiling of what these scores allow, not shippable (CC BY-NC).
With ``--teacher DIR``, the scorer is a whole fine-tuned encoder written by
``python -m training.teacher`` (a larger backbone than MiniLM) instead of an adapter file.

Needs the ``train`` extra (scikit-learn) and ``bench/out/scifact-home`` (built on first use).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from _common import DATA, OUT

import synth.verification.decide as decide
from synth.library.snapshot import import_snapshot
from synth.records.verdicts import Evidence
from synth.search.embed import CachedEmbedder, load_embedder
from synth.search.hybrid import Searcher
from synth.store.db import open_store
from synth.verification.evaluate import (
    TO_SCIFACT,
    expected_calibration_error,
    f1_scores,
    gold_label,
    load_claims,
)
from synth.verification.verify import score_evidence
from synth.verification.xenc import XENC_PATH, XencScorer
from training import verifier
from training.fitting import fit_claim_decider
from training.teacher import TeacherScorer

Scored = list[dict[str, list[Evidence]]]
VERDICT_OF = {v: k for k, v in TO_SCIFACT.items()}


def scifact_evidence(scorer: XencScorer, score_all: bool) -> tuple[Scored, list[str]]:
    store = open_store(OUT / "scifact-home" / "library.db")
    import_snapshot(store, DATA / "scifact" / "corpus.jsonl")
    searcher = Searcher(store, CachedEmbedder(store, load_embedder()))
    claims = load_claims(DATA / "scifact" / "claims_train.jsonl")
    scored = [score_evidence(c["claim"], searcher, scorer, score_all=score_all)
              for c in claims]
    store.close()
    return scored, [gold_label(c) for c in claims]


def measure(decider, scored: Scored, gold: Sequence[str]) -> str:
    said, confidence = [], []
    for per_paper in scored:
        label, conf = decider.claim(per_paper) if any(per_paper.values()) else ("insufficient", 1.0)
        said.append(TO_SCIFACT[label])
        confidence.append(conf)
    right = [g == s for g, s in zip(gold, said)]
    f1 = f1_scores(list(gold), said)
    return (f"{sum(f1.values()) / 3:.3f} | {f1['SUPPORT']:.3f} | {f1['CONTRADICT']:.3f} | "
            f"{f1['NEI']:.3f} | {np.mean(right):.3f} | {np.mean(confidence):.3f} | "
            f"{expected_calibration_error(confidence, right):.3f}")


def held_in_fits(scorer: XencScorer, score_all: bool) -> dict[str, tuple[Scored, list]]:
    """The held-in claims' evidence, per set a decider may be fitted on, and both together."""
    claims, _ = verifier.load_check_covid(DATA / "check-covid")
    _, held = verifier.split_by_abstract(claims)
    fits = {"Check-COVID held": verifier.decider_examples(held, DATA / "check-covid", scorer,
                                                                   score_all=score_all),
            "Citation-Integrity dev": verifier.citation_decider_examples(DATA / "nli", scorer,
                                                                           score_all=score_all)}
    fits["both"] = (fits["Check-COVID held"][0] + fits["Citation-Integrity dev"][0],
                    fits["Check-COVID held"][1] + fits["Citation-Integrity dev"][1])
    return fits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=XENC_PATH)
    parser.add_argument("--teacher", type=Path, metavar="DIR",
                        help="a folder written by python -m training.teacher instead")
    parser.add_argument("--ceiling-only", action="store_true",
                        help="only the SciFact-CV ceiling (no held-in claims scored or fitted)")
    parser.add_argument("--gate", type=float, action="append",
                        help="word gates to try (default: the shipped one)")
    args = parser.parse_args()
    scorer = TeacherScorer(args.teacher) if args.teacher else XencScorer(args.weights)
    name = args.teacher.name if args.teacher else args.weights.name
    # other gates need every selected sentence scored, the shipped one only those it passes
    score_all = any(g != decide.MIN_COVERAGE for g in args.gate or [])
    scifact, gold = scifact_evidence(scorer, score_all)
    fits = {} if args.ceiling_only else held_in_fits(scorer, score_all)
    print(f"{name}: deciders measured on {len(gold)} SciFact train claims\n")
    print("| gate | fitted on | held-in out-of-fold macro-F1 | SciFact macro-F1 | SUPPORT | "
          "CONTRADICT | NEI | accuracy | mean confidence | ECE |\n" + "|---" * 10 + "|")
    for gate in args.gate or [decide.MIN_COVERAGE]:
        decide.MIN_COVERAGE = gate  # read by decide.bearing at call time
        for name, (scored, labels) in fits.items():
            params, report = fit_claim_decider(scored, labels)
            print(f"| {gate} | {name} | {report['oof_macro_f1']:.3f} | "
                  f"{measure(decide.ClaimClassifier.from_dict(params), scifact, gold)} |")
        _, cv = fit_claim_decider(scifact, [VERDICT_OF[g] for g in gold])
        f = cv["oof_f1_by_class"]
        print(f"| {gate} | SciFact itself, 5-fold CV (ceiling) | | **{cv['oof_macro_f1']:.3f}** | "
              f"{f['supported']:.3f} | {f['contradicted']:.3f} | {f['insufficient']:.3f} | | | "
              f"{cv['oof_ece_after']:.3f} |")


if __name__ == "__main__":
    main()
