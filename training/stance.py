"""Fit the answer stage's stance model (``synth/data/stance.json``, :mod:`synth.answer.stance`).

    python -m training.stance ../shared/data/pubmedqa [--out PATH] [--weights FILE]

Data: PubMedQA-L's 500 labelled questions in ``pqal_dev.json`` (Jin et al. 2019, MIT
licence), each a research question, its abstract without the conclusion, and the expert's
yes / no / maybe. They are split by a stable hash of the PubMed id into a fitting part
(:data:`HELD_SHARE` left out) and a held part that is never fitted on. For each question the
claims are those the ask pipeline counts for that question: what synth's offline extractor
takes from the abstract (:func:`synth.claims.sentences.select` with results filled, at most
``CLAIMS_PER_PAPER``) that are on point (:func:`synth.answer.relevance.on_point`, as the
answer stage decides it; a question with none is left out, as the pipeline leaves it
unanswered), the
statement is :func:`synth.search.statement.statement`, and the
verifier scores the statement given each claim. A logistic regression (scikit-learn, L2,
``C`` = :data:`C`) of :func:`synth.answer.stance.paper_features` is fitted on the fitting
part's yes and no questions (maybe left out: the model says how likely "yes" is).

The file records the command, the data, and the figures: 5-fold out-of-fold figures on the
fitting part, and on the held part accuracy over all three answers (a "maybe" is always
counted wrong, since the model answers yes or no), the share of yes and no questions ranked
correctly (AUC), and always answering yes, for comparison. ``bench/pubmedqa.py`` measures the
answer end to end through ``synth ask``.

Measured with the shipped verifier (the ``report`` in ``synth/data/stance.json``): on the held
part, 202 questions with claims on point, accuracy 0.550 against 0.505 for always answering
yes, yes ranked above no with AUC 0.65; on the fitting part out of fold, 0.591 against 0.580
(AUC 0.64). Through ``bench/pubmedqa.py``, held 0.529, all 500 0.562, 3.3% of the held
questions not answered. Before definitions ("X (ABC) has proven to ...") stopped taking a side:
held 0.559, out of fold 0.581, through the bench held 0.533 and all 500 0.566 (the model before
the refit: 0.533 and 0.564 over the new claims). Before a comparative stated of what was
measured ("was shorter than") and what was seen where ("no difference was observed between")
counted as results, and a kept paper whose claims share too few of the question's words was
given its sentences that state a number and do: held 0.569 (197 questions, AUC 0.654), out of
fold 0.577 (AUC 0.61), through the bench held 0.533, all 500 0.562, 4.8% not answered; the
earlier model over the new claims gave held 0.543 and all 500 0.570 through the bench, the same
171 of the 290 fitting questions right. Before sentences were split after a word that ends like
an abbreviation ("LLMs." is not "Ms.", :func:`synth.parsing.chunk.abbreviation_before`): held
0.563 (AUC 0.66), out of fold 0.566 (AUC 0.60), through the bench the same 0.533 and 0.562.
Before a sentence that introduces its subject ("Multiple sclerosis (MS) is an immune-mediated
... disease", :func:`synth.claims.cues.introduces`; 40 in the 500 abstracts) was typed a
definition, and so no longer counted as a result of a paper squarely on the question: held
0.558 (AUC 0.659), out of fold 0.577 (AUC 0.604), through the bench held 0.529 and all 500
0.558 (0.524 and 0.556 before a paper not about the question's subject took no side). Before a
title's question with no verb was read as a statement ("Inhibin: a new marker of mole?" ->
"Inhibin is a new marker of mole.", :func:`synth.search.statement.elliptical`; 46 of the 500
questions had no auxiliary, and "X vs. LEEP. Are they ...?" lost its subject): held 0.569, AUC
0.663, out of fold 0.574 (AUC 0.61), through the bench held 0.529 and all 500 0.560, one and
two questions more, inside the noise; the grammatical statement ships, as the one a reader (and
an LLM writer) is shown. Before a sentence that says how a study was done ("Patients were
randomized to ...", :func:`synth.claims.cues.study_design`) was typed method and ranked below
the results: held 0.551 against 0.500 (AUC 0.66), out of fold 0.570 (AUC 0.61), through the
bench held 0.510; letting such method claims take no side as well was measured and left out
(held 0.543). Before "showed", "revealed" and the like counted as result cues: held 0.551, AUC
0.662, out of fold 0.579 against 0.579 (AUC 0.63). Before "previous" and "conventional" as
plain adjectives stopped marking background: held 0.551, AUC 0.659, out of fold 0.589. Before a
study's aim stopped being a claim ("To determine whether ..."): held 0.551, AUC 0.641, out of
fold 0.581. Tried and not shipped: a stance encoder (the verifier fine-tuned, 3 epochs at 2e-5,
on the fitting questions' statements against their on-point claims and conclusions, this model
fitted on its out-of-fold scores): held AUC 0.688, accuracy 0.541, through the bench held
0.505, unchanged. Before only the claims that name the question's outcome counted (when any
does): held 0.546, AUC 0.650, bench 0.476; before the statement was made grammatical: held
0.556, AUC 0.653, bench 0.481 (0.490 with the previous fit, below). With the ``--pubmedqa``
verifier candidate (``--weights``, ``training/README.md``; before the outcome rule): held
0.561, AUC 0.663. Before a result of an abstract squarely on the question counted whatever its
relevance (relevance at least ``ON_POINT`` only): held 181 questions, 0.564 against 0.525, AUC
0.66; out of fold 0.595 against 0.572; through the bench, held 0.476. Fitted on every extracted
claim instead (all 494 questions with claims, the relevance bar ignored): held 0.536 against
0.512, AUC 0.65, and through ``bench/pubmedqa.py``, where only on-point claims reach the model,
held 0.467 with that fit. Two more cues tried on the on-point claims (out of fold on the
fitting part, 0.595 without them): leaving out sentences that state the study's aim ("we
evaluated whether ..."), 0.599; a ratio's confidence interval that holds 1 as a null result, no
change (9 sentences in 500 abstracts). Before the extractor gave a kept abstract without
claim-like sentences its sentences that state a number (64 of the 500 had no claims), on the
436 others: held 0.560 against 0.511 (AUC 0.67), and the alternatives tried there: the cues as
18 separate patterns with the verifier's largest entailment and contradiction too (41 features:
held 0.560, AUC 0.67, weights that read as noise), ``C`` 0.1 (0.538) and 1.0 (0.560). In a
one-off measurement on the abstracts' RESULTS sentences, the verifier's margin alone ranked yes
above no with AUC 0.59. About 30 s on 2 cores. """

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np

from synth.answer.answer import speak_of_outcome, takes_a_side
from synth.answer.relevance import on_point, relevances, squarely_on
from synth.answer.stance import FEATURES, STANCE_PATH, paper_features
from synth.claims.cues import claim_type
from synth.claims.sentences import select, sentences
from synth.parsing.chunk import metadata_text
from synth.pipeline.run import CLAIMS_PER_PAPER
from synth.records.papers import Paper, Passage
from synth.search.embed import Embedder, load_embedder
from synth.search.question import acronyms, question_acronyms
from synth.search.statement import statement
from synth.verification.xenc import XencScorer
from training import nli

HELD_SHARE = 0.4
C = 0.3


def held(pmid: str) -> bool:
    """Whether the question belongs to the held part (the stable hash of :mod:`training.nli`)."""
    return nli.held(f"pubmedqa:{pmid}", HELD_SHARE)


def claims_of(pmid: str, item: dict, embedder: Embedder) -> list[str]:
    """The sentences of the item's abstract that the ask pipeline counts for its question: what
    synth's offline extractor takes from it (the abstract as the PubMedQA library of
    ``bench/pubmedqa.py`` stores it), kept when their relevance
    (:func:`synth.answer.relevance.relevances`, the paper's similarity being its best
    passage's) reaches :data:`~synth.answer.relevance.ON_POINT`, or when they are results and
    the abstract is squarely on the question (:func:`synth.answer.relevance.on_point`); of
    those, the ones that speak of the question's outcome when any does
    (:func:`synth.answer.answer.speak_of_outcome`)."""
    question, text = item["QUESTION"], " ".join(item["CONTEXTS"])
    passage = Passage(id=f"pmid{pmid}#0-{len(text)}", paper_id=f"pmid{pmid}", ordinal=0,
                      char_start=0, char_end=len(text), text=text)
    found = sentences(text, [passage], question)
    texts = [s.text for s in select(found, question, CLAIMS_PER_PAPER, fill_results=True)]
    if not texts:
        return []
    paper = Paper(id=f"pmid{pmid}", base_id=f"pmid{pmid}", title="", abstract=text,
                  source="snapshot")
    vectors = embedder.encode([question, *(p.text for p in metadata_text(paper).passages)])
    similarity = float((vectors[1:] @ vectors[0]).max())
    defined = {**question_acronyms(question), **acronyms(text)}
    scores = relevances(question, texts, embedder, [defined] * len(texts),
                        [similarity] * len(texts))
    square = squarely_on(question, text, defined, similarity)
    kept = [t for t, r in zip(texts, scores) if on_point(r, claim_type(t), square)]
    speaks = speak_of_outcome(question, kept, [defined] * len(kept))
    return [t for t, s in zip(kept, speaks) if s and takes_a_side(claim_type(t))]


def featurise(items: dict, scorer, embedder: Embedder) -> tuple[list[str], np.ndarray, list[str]]:
    """(pmids, features, gold answers) of the items with claims on point."""
    pmids, rows, gold = [], [], []
    for pmid, item in items.items():
        texts = claims_of(pmid, item, embedder)
        if not texts:
            continue
        said = statement(item["QUESTION"])
        rows.append(paper_features(scorer.score([(said, t) for t in texts]), texts))
        pmids.append(pmid)
        gold.append(item["final_decision"])
    return pmids, np.array(rows), gold


def figures(p_yes: np.ndarray, gold: list[str]) -> dict:
    from sklearn.metrics import roc_auc_score

    gold_a = np.array(gold)
    said = np.where(p_yes >= 0.5, "yes", "no")
    decided = gold_a != "maybe"
    return {"questions": len(gold), "accuracy": round(float((said == gold_a).mean()), 3),
            "always_yes": round(float((gold_a == "yes").mean()), 3),
            "auc_yes_no": round(float(roc_auc_score(gold_a[decided] == "yes",
                                                    p_yes[decided])), 3),
            "said_yes": round(float((said == "yes").mean()), 3)}


def fit(folder: Path, out: Path, weights: Path | None = None, log=print) -> dict:
    """Fit the model with the shipped verifier (or the adapter file ``weights``), write it to
    ``out`` and return what was written."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    items = json.loads((folder / "pqal_dev.json").read_text())
    scorer = XencScorer(weights) if weights else XencScorer()
    pmids, x, gold = featurise(items, scorer, load_embedder())
    gold_a = np.array(gold)
    fitting = np.array([not held(p) for p in pmids])
    decided = gold_a != "maybe"
    log(f"{len(pmids)} of {len(items)} questions with claims on point; fitting on "
        f"{int((fitting & decided).sum())} yes/no questions, {int((~fitting).sum())} held")
    oof = np.zeros(len(pmids))
    rows = np.flatnonzero(fitting)
    folds = StratifiedKFold(5, shuffle=True, random_state=13)
    for train, test in folds.split(rows, gold_a[rows]):
        use = rows[train][decided[rows[train]]]
        model = LogisticRegression(C=C, max_iter=5000).fit(x[use], gold_a[use] == "yes")
        oof[rows[test]] = model.predict_proba(x[rows[test]])[:, 1]
    use = rows[decided[rows]]
    model = LogisticRegression(C=C, max_iter=5000).fit(x[use], gold_a[use] == "yes")
    held_rows = np.flatnonzero(~fitting)
    report = {"fitting_out_of_fold": figures(oof[rows], [gold[i] for i in rows]),
              "held": figures(model.predict_proba(x[held_rows])[:, 1],
                              [gold[i] for i in held_rows])}
    data = {"features": list(FEATURES), "weights": [round(float(w), 6) for w in model.coef_[0]],
            "bias": round(float(model.intercept_[0]), 6),
            "trained_on": "PubMedQA-L pqal_dev.json (MIT), the questions outside the held "
                          f"share {HELD_SHARE} of a hash of their PubMed id; yes and no only",
            "verifier": scorer.name, "command": f"python -m training.stance {folder}"
            + (f" --weights {weights}" if weights else ""),
            "date": date.today().isoformat(), "C": C, "report": report}
    partial = out.with_name(out.name + ".partial")
    partial.write_text(json.dumps(data, indent=1) + "\n")
    partial.replace(out)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pubmedqa", type=Path, help="the pubmedqa/ data folder")
    parser.add_argument("--out", type=Path, default=STANCE_PATH)
    parser.add_argument("--weights", type=Path,
                        help="score with these verifier weights (an adapter file of "
                        "python -m training.verifier) instead of the shipped ones")
    args = parser.parse_args()
    data = fit(args.pubmedqa, args.out, args.weights)
    print(json.dumps(data["report"], indent=2))


if __name__ == "__main__":
    main()
