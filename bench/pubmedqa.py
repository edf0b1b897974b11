"""The answer a report gives, against expert answers: PubMedQA-L's 500 labelled questions.

A library is made of the questions' CONTEXTS (each item one record, the abstract without its
conclusion, with no title: the question is usually the paper's title), then each QUESTION is
asked offline with ``synth ask --source library`` (the pipeline's own function, one process,
models loaded once) and the report's ``answer.verdict`` is compared with ``final_decision``:

    yes -> yes, no -> no, mixed / partly_answered -> maybe, not_answered -> a miss
    (counted apart: the share of questions the report declines to answer).

Printed: accuracy, macro-F1 over yes / no / maybe, per-class F1, the share not answered,
how often the question's own abstract was kept, seconds per question; and in the same run the
majority answer (always yes). Published anchors (reasoning-required setting): majority 55.2%,
BioBERT 68.1%, one human 78.0%.

    python bench/pubmedqa.py [--limit N] [--home bench/out/pubmedqa-home] [--json FILE]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--home", type=Path, default=OUT / "pubmedqa-home")
    parser.add_argument("--json", type=Path, default=OUT / "pubmedqa.json",
                        help="per-question answers, for reading")
    args = parser.parse_args()

    from synth.config import load_settings
    from synth.pipeline.run import run_ask
    from synth.records.options import RunOptions
    from synth.search.embed import load_embedder
    from synth.store.db import open_store

    items = json.loads(ITEMS.read_text())
    build(args.home, items)
    settings = load_settings(env={}, home=args.home)
    embedder = load_embedder()
    chosen = list(items.items())[:args.limit]
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
            rows.append({"pmid": pmid, "question": item["QUESTION"],
                         "gold": item["final_decision"], "verdict": answer.verdict,
                         "said": AS_LABEL.get(answer.verdict, "not answered"),
                         "own_kept": bool(own and own.kept), "text": answer.text,
                         "claims": [{"n": c.n, "paper": c.paper_id, "text": c.text,
                                     "relevance": c.relevance, "on_point": c.on_point,
                                     "verified": c.verified, "margin": c.stance_margin}
                                    for c in report.claims]})
    gold = [r["gold"] for r in rows]
    said = [r["said"] for r in rows]
    macro, per = f1_table(gold, said)
    base_macro, _ = f1_table(gold, ["yes"] * len(gold))
    accuracy = sum(g == s for g, s in zip(gold, said)) / len(rows)
    majority = sum(g == "yes" for g in gold) / len(rows)
    print(f"PubMedQA-L, {len(rows)} questions, offline, library of {len(items)} contexts")
    print("| answerer | accuracy | macro-F1 | yes F1 | no F1 | maybe F1 | not answered | "
          "own abstract kept | s/question |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| synth ask | {accuracy:.3f} | {macro:.3f} | {per['yes']:.3f} | {per['no']:.3f} | "
          f"{per['maybe']:.3f} | {sum(s == 'not answered' for s in said) / len(rows):.3f} | "
          f"{sum(r['own_kept'] for r in rows) / len(rows):.3f} | "
          f"{sum(seconds) / len(seconds):.2f} |")
    print(f"| always yes | {majority:.3f} | {base_macro:.3f} | | | | 0 | | |")
    print(f"ratio to the majority answer: {accuracy / majority:.2f}")
    print("verdicts:", dict(Counter(r["verdict"] for r in rows)))
    print("confusion (gold -> said):",
          dict(Counter(f"{g}->{s}" for g, s in zip(gold, said))))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
