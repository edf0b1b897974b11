"""The offline claim extractor: speed over the 11 PDFs, and how well its sentence
selection finds SciFact's rationale sentences (a rationale sentence is a claim-bearing one).

    python bench/extract_offline.py [--repeats 3]

Speed: the 11 PDFs are ingested once into a temp library, then ``synth.claims.extract.extract`` runs
on every paper (no question, 20 claims at most, stored), best of ``--repeats``.

Selection: every SciFact train claim with evidence, against each abstract it has rationales
in. Each abstract's sentences become paragraphs of one text, so synth's sentences are
SciFact's sentences. Two settings:
- with the claim as the question: precision = selected sentences that are rationales for that
  claim / selected sentences; recall likewise;
- without a question (pure claim-bearing detection): precision = selected sentences that are
  a rationale for any train claim / selected sentences, over the abstracts that have any.
Each against the baseline of picking sentences at random (the share of rationale sentences),
with the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import DATA, Timer, pdf_library  # noqa: E402
from synth.claims.extract import MAX_CLAIMS, extract
from synth.claims.sentences import select, sentences
from synth.parsing.chunk import Block, chunk_blocks


def speed(repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        with pdf_library(Path(tmp)) as (store, settings):
            ids = store.paper_ids()
            best = float("inf")
            for _ in range(repeats):
                with Timer() as t:
                    results = [extract(store, settings, pid, max_claims=MAX_CLAIMS) for pid in ids]
                best = min(best, t.seconds)
    n_claims = sum(len(r.claims) for r in results)
    n_sent = sum(r.stats.sentences for r in results)
    print(f"speed, {len(ids)} PDFs (best of {repeats}): {n_claims} claims from {n_sent} "
          f"sentences in {best:.3f} s = {n_claims / best:,.0f} claims/s, "
          f"{n_sent / best:,.0f} sentences/s, {len(ids) / best:.1f} papers/s")


def abstract_sentences(doc: dict) -> tuple[str, list, list[tuple[int, int]]]:
    """Full text with one SciFact sentence per paragraph, its passages, and the sentence spans."""
    spans, parts, at = [], [], 0
    for sentence in doc["abstract"]:
        sentence = " ".join(sentence.split())
        spans.append((at, at + len(sentence)))
        parts.append(sentence)
        at += len(sentence) + 2
    text = "\n\n".join(parts)
    passages = chunk_blocks(f"doc{doc['doc_id']}", text, [Block(s, e) for s, e in spans])
    return text, passages, spans


def selection() -> None:
    corpus = {d["doc_id"]: d for d in map(json.loads, (DATA / "scifact" / "corpus.jsonl").open())}
    claims = [json.loads(line) for line in (DATA / "scifact" / "claims_train.jsonl").open()]
    rationale_any: dict[int, set[int]] = defaultdict(set)
    pairs = []
    for c in claims:
        for doc_id, sets in c["evidence"].items():
            gold = {i for s in sets for i in s["sentences"]}
            rationale_any[int(doc_id)] |= gold
            pairs.append((c["claim"], int(doc_id), gold))

    def run(question: str | None, doc_id: int) -> tuple[set[int], int]:
        text, passages, spans = abstract_sentences(corpus[doc_id])
        chosen = select(sentences(text, passages, question), question, MAX_CLAIMS)
        index = {start: i for i, (start, _) in enumerate(spans)}
        return {index[s.start] for s in chosen if s.start in index}, len(spans)

    p, r, base, per = measure(run, pairs)
    print(f"selection with the claim as question, {len(pairs)} (claim, abstract) pairs: "
          f"precision {p:.3f}, recall {r:.3f}, {per:.2f} sentences per pair; "
          f"random baseline precision {base:.3f}: ratio {p / base:.2f}x")
    p, r, base, per = measure(run, [(None, d, gold) for d, gold in rationale_any.items()])
    print(f"selection without a question, {len(rationale_any)} abstracts with rationales: "
          f"precision {p:.3f}, recall {r:.3f}, {per:.2f} sentences per "
          f"abstract; random baseline precision {base:.3f}: ratio {p / base:.2f}x")


def measure(run, items) -> tuple[float, float, float, float]:
    """(precision, recall, random-pick precision, sentences selected per item)."""
    hit = picked = gold_total = n_total = 0
    for question, doc_id, gold in items:
        chosen, n = run(question, doc_id)
        hit += len(chosen & gold)
        picked += len(chosen)
        gold_total += len(gold)
        n_total += n
    return hit / max(picked, 1), hit / gold_total, gold_total / n_total, picked / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    speed(args.repeats)
    selection()


if __name__ == "__main__":
    main()
