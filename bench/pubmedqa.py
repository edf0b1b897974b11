"""The answer a report gives, against expert answers: PubMedQA-L's 500 labelled questions.

A library is made of the questions' CONTEXTS (each item one record, the abstract without its
conclusion, with no title: the question is usually the paper's title), then each QUESTION is
asked offline with ``synth ask --source library`` (the pipeline's own function, one process,
models loaded once) and the report's ``answer.verdict`` is compared with ``final_decision``:

    yes -> yes, no -> no, mixed / partly_answered -> maybe, not_answered -> a miss
    (counted apart: the share of questions the report declines to answer).

Printed: accuracy, macro-F1 over yes / no / maybe, per-class F1, the share not answered,
how often the question's own abstract was kept, seconds per question, how often a yes or no
is right when it is firm and when it only leans ("Leans yes": pooled P(yes) within 0.1 of
0.5); and in the same run the majority answer (always yes). Each figure is given for all
500 questions and for the held part that the stance model (``python -m training.stance``)
was never fitted on: the figures on all 500 include the questions it was fitted on.
Published anchors (reasoning-required setting): majority 55.2%, BioBERT 68.1%, one human
78.0%.

    python bench/pubmedqa.py [--limit N] [--held-only] [--home bench/out/pubmedqa-home]
                             [--json FILE] [--llm URL --llm-model NAME [--fit-judge]]

With ``--llm`` (an OpenAI-compatible server, e.g. llama.cpp's on 127.0.0.1) the LLM judges
each paper's stance (``SYNTH_LLM_STAGES=answer``: claims are still extracted offline), in
place of the stance model; the stance model was never fitted on the held part, and the LLM on
none of it. ``--fit-judge`` first fits the LLM judge (``synth eval judge --fit``,
:mod:`synth.answer.judge_fit`) on the fitting part's questions, each with its own abstract,
stores the fit in the bench's home, where the asks then use it, and prints its figures; without
it the asks use whatever fit that home holds for the model. ``--held-only`` asks only the held
questions.

``--home`` keeps the library between runs, with its embeddings and what the pipeline stores
(extractions, verdicts), so a rerun re-decides every answer in a fraction of the time: the
seconds per question are those of a first run only on a new home.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

from _common import DATA, OUT

from training.stance import held

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ITEMS = DATA / "pubmedqa" / "pqal_dev.json"
CLASSES = ("yes", "no", "maybe")
AS_LABEL = {"yes": "yes", "no": "no", "mixed": "maybe", "partly_answered": "maybe"}


def build(home: Path, items: dict) -> None:
    from synth.config import load_settings
    from synth.library.ingest import ingest
    from synth.search.embed import embed_missing, load_embedder
    from synth.store.db import open_store

    settings = load_settings(env={}, home=home)
    if settings.db_path.exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    snapshot = home / "contexts.jsonl"
    snapshot.write_text("".join(json.dumps({"doc_id": f"pmid{pmid}", "title": "",
                                            "abstract": " ".join(item["CONTEXTS"])}) + "\n"
                                for pmid, item in items.items()))
    with open_store(settings.db_path) as store:
        ingest(store, settings, [str(snapshot)])
        embed_missing(store, load_embedder())


def f1_table(gold: list[str], said: list[str]) -> tuple[float, dict[str, float]]:
    per = {}
    for c in CLASSES:
        tp = sum(g == c and s == c for g, s in zip(gold, said))
        fp = sum(g != c and s == c for g, s in zip(gold, said))
        fn = sum(g == c and s != c for g, s in zip(gold, said))
        per[c] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return sum(per.values()) / len(CLASSES), per


def accuracy(rows: list[dict], key: str | None) -> float:
    """Share answered as the expert did (``key`` None: always answering yes)."""
    return sum(r["gold"] == (r[key] if key else "yes") for r in rows) / len(rows)


def table_rows(part: str, rows: list[dict]) -> str:
    gold = [r["gold"] for r in rows]
    said = [r["said"] for r in rows]
    macro, per = f1_table(gold, said)
    base_macro, _ = f1_table(gold, ["yes"] * len(gold))
    n = len(rows)
    return (f"| {part} ({n}) | synth ask | {accuracy(rows, 'said'):.3f} | {macro:.3f} | "
            f"{per['yes']:.3f} | {per['no']:.3f} | {per['maybe']:.3f} | "
            f"{sum(s == 'not answered' for s in said) / n:.3f} | "
            f"{sum(r['own_kept'] for r in rows) / n:.3f} | "
            f"{sum(r['seconds'] for r in rows) / n:.2f} |\n"
            f"| {part} ({n}) | always yes | {accuracy(rows, None):.3f} | {base_macro:.3f} | | | | "
            "0 | | |")


def fit_judge(settings) -> None:
    """Fit the LLM judge on the fitting part and store the fit in the home (see the module
    docstring); print its figures."""
    from synth.answer.judge import LLMJudge
    from synth.answer.judge_fit import Question, eval_judge
    from synth.llm.client import LLM
    from synth.store.db import open_store
    from training.questions import questions

    fitting = [Question(question=q["question"], text=q["text"], answer=q["answer"])
               for q in questions(ITEMS.parent, "fitting")]
    with open_store(settings.db_path) as store:
        report = eval_judge(LLMJudge(LLM(settings, store=store)), fitting,
                            "PubMedQA-L fitting part", settings.home, fit=True)
    fit = report.fit
    assert fit is not None
    print(f"judge fitted on {fit.questions} yes/no questions of {len(fitting)}: AUC "
          f"{report.auc}, scale {fit.scale:.3f}, shift {fit.shift:.3f}; accuracy in sample "
          f"{report.accuracy:.3f}, out of fold {fit.accuracy:.3f} (always yes "
          f"{fit.always_yes:.3f}); {report.seconds_per_question:.1f} s/question")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--home", type=Path, default=OUT / "pubmedqa-home")
    parser.add_argument("--json", type=Path, default=OUT / "pubmedqa.json",
                        help="per-question answers, for reading")
    parser.add_argument("--held-only", action="store_true", help="only the held questions")
    parser.add_argument("--llm", default="", help="an OpenAI-compatible server URL: the LLM "
                        "judges each paper's stance")
    parser.add_argument("--llm-model", default="local", help="the model name it expects")
    parser.add_argument("--fit-judge", action="store_true", help="fit the LLM judge on the "
                        "fitting part first (each question with its own abstract)")
    args = parser.parse_args()

    from synth.answer.answer import firm
    from synth.config import load_settings
    from synth.pipeline.run import run_ask
    from synth.records.options import RunOptions
    from synth.search.embed import load_embedder
    from synth.store.db import open_store

    items = json.loads(ITEMS.read_text())
    build(args.home, items)
    settings = load_settings(env={}, home=args.home)
    if args.llm:
        settings = load_settings(env={}, home=args.home, llm_base_url=args.llm,
                                 llm_model=args.llm_model, llm_stages="answer")
    if args.fit_judge and args.llm:
        fit_judge(settings)
    embedder = load_embedder()
    chosen = [(pmid, item) for pmid, item in items.items()
              if held(pmid) or not args.held_only][:args.limit]
    rows, seconds = [], []
    with open_store(settings.db_path) as store:
        for pmid, item in chosen:
            start = time.perf_counter()
            report = run_ask(store, settings, embedder, item["QUESTION"],
                             RunOptions(source="library"))
            seconds.append(time.perf_counter() - start)
            if len(seconds) % 25 == 0:
                print(f"{len(seconds)} questions, {sum(seconds):.0f} s", file=sys.stderr)
            answer = report.answer
            assert answer is not None
            own = next((p for p in report.papers if p.paper_id == f"pmid{pmid}"), None)
            rows.append({"pmid": pmid, "question": item["QUESTION"], "held": held(pmid),
                         "judged_by": sorted({s.judged_by for s in answer.stances}),
                         "seconds": round(seconds[-1], 3),
                         "gold": item["final_decision"], "verdict": answer.verdict,
                         "p_yes": answer.p_yes,
                         "said": AS_LABEL.get(answer.verdict, "not answered"),
                         "own_kept": bool(own and own.kept), "text": answer.text,
                         "claims": [{"n": c.n, "paper": c.paper_id, "text": c.text,
                                     "relevance": c.relevance, "on_point": c.on_point,
                                     "verified": c.verified, "stance": c.stance,
                                     "margin": c.stance_margin}
                                    for c in report.claims]})
    answerer = f"the LLM {args.llm_model} judging stances" if args.llm else "offline"
    print(f"PubMedQA-L, {len(rows)} questions, {answerer}, library of {len(items)} contexts")
    print("| questions | answerer | accuracy | macro-F1 | yes F1 | no F1 | maybe F1 | "
          "not answered | own abstract kept | s/question |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for part, chosen_rows in (("all", rows), ("held (never fitted)",
                                              [r for r in rows if r["held"]])):
        if chosen_rows:
            print(table_rows(part, chosen_rows))
    print("ratio to the majority answer (all): "
          f"{accuracy(rows, 'said') / accuracy(rows, None):.2f}")
    print(f"seconds per question: {sum(seconds) / len(seconds):.2f}")
    print("verdicts:", dict(Counter(r["verdict"] for r in rows)))
    print("confusion (gold -> said):",
          dict(Counter(f"{r['gold']}->{r['said']}" for r in rows)))
    for name, clear in (("firm (P(yes) 0.6 or more, or below 0.4)", True),
                        ("leans (P(yes) from 0.4 to 0.6)", False)):
        said = [r for r in rows if r["verdict"] in ("yes", "no") and r["p_yes"] is not None
                and firm(r["p_yes"]) == clear]
        right = sum(r["said"] == r["gold"] for r in said) / len(said) if said else 0.0
        print(f"yes/no answers {name}: {len(said)}, right {right:.3f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
