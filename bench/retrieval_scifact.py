"""Retrieval quality of synth's search on SciFact: nDCG@10, recall@10 and queries/s.

Library: the 5,183 SciFact abstracts (corpus.jsonl), imported with ``import_snapshot`` and
embedded with the default model. Queries: the 809 train claims. Relevant documents:

* ``cited``: each claim's ``cited_doc_ids`` (all 809 claims; the primary figure). This is
  the BEIR-comparable one: BEIR's SciFact test set holds all 300 dev claims, NOT-ENOUGH-INFO
  ones included, which have no evidence, so its qrels are the cited documents;
* ``evidence``: only the documents in ``evidence`` (the 505 claims that have any), a
  stricter variant that drops the NOT-ENOUGH-INFO claims.

Runs ``Searcher.search(claim, top=50, mode)`` as synth ships it and turns the passage ranking
into a document ranking (a paper's rank is its best passage's rank). Rows: BM25 alone (FTS5),
BM25 alone (rank-bm25), dense alone, and hybrid with each lexical backend; then BM25 and
hybrid with the FTS5 half's passage budget scaled to this library as it stands to a library
of a million passages (``LEXICAL_BUDGET`` x passages / 1,000,000: what the budget costs in
ranking quality where it bites, measured on data with relevance labels). Prints the anchor
(BM25 ~0.665 nDCG@10 on BEIR SciFact test, i.e. the 300 dev claims, cited docs; ours
are train claims, so comparable in kind, not exactly) and
the target (hybrid >= 0.70), and the ratio hybrid / BM25 from this same run.

    python bench/retrieval_scifact.py [--home DIR] [--top 50]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

from _common import DATA, Timer, distinct, library_home, ndcg_at, recall_at

from synth.library.snapshot import import_snapshot
from synth.search.embed import Embedder, embed_missing, load_embedder
from synth.search.hybrid import LEXICAL_BUDGET, Searcher
from synth.store.db import Store, open_store

SCIFACT = DATA / "scifact"
ANCHOR_BM25 = 0.665
TARGET_FUSED = 0.70


@dataclass(frozen=True)
class Claim:
    id: int
    text: str
    cited: frozenset[str]
    evidence: frozenset[str]


def load_claims() -> list[Claim]:
    with (SCIFACT / "claims_train.jsonl").open() as f:
        rows = [json.loads(line) for line in f]
    return [Claim(r["id"], r["claim"], frozenset(str(d) for d in r["cited_doc_ids"]),
                  frozenset(r["evidence"])) for r in rows]


def build_library(store: Store, embedder: Embedder) -> None:
    """Import the corpus and embed it; both are no-ops (cheap re-reads) on a reused home."""
    with Timer() as t_import:
        report = import_snapshot(store, SCIFACT / "corpus.jsonl")
    with Timer() as t_embed:
        embedded = embed_missing(store, embedder)
    counts = store.counts()
    print(f"library: {counts['papers']} papers, {counts['passages']} passages; import "
          f"{t_import.seconds:.1f}s ({report.added_count} added, {report.unchanged_count} "
          f"unchanged, {len(report.failed)} failed); embedded {embedded} passages in "
          f"{t_embed.seconds:.1f}s")


@dataclass
class Row:
    name: str
    ndcg: float
    recall: float
    ndcg_ev: float
    recall_ev: float
    qps: float
    short: int  # queries whose passage list held fewer than 10 distinct papers


def evaluate(name: str, searcher: Searcher, mode: str, claims: list[Claim], top: int) -> Row:
    rankings: list[list[str]] = []
    start = time.perf_counter()
    for claim in claims:
        rankings.append(distinct(h.paper_id for h in searcher.search(claim.text, top, mode)))
    qps = len(claims) / (time.perf_counter() - start)
    ev = [(r, c) for r, c in zip(rankings, claims) if c.evidence]
    return Row(
        name,
        sum(ndcg_at(r, set(c.cited)) for r, c in zip(rankings, claims)) / len(claims),
        sum(recall_at(r, set(c.cited)) for r, c in zip(rankings, claims)) / len(claims),
        sum(ndcg_at(r, set(c.evidence)) for r, c in ev) / len(ev),
        sum(recall_at(r, set(c.evidence)) for r, c in ev) / len(ev),
        qps, sum(len(r) < 10 for r in rankings))


def print_table(rows: list[Row], n_claims: int, n_ev: int) -> None:
    print(f"\n{'run':<24}{'nDCG@10':>9}{'R@10':>8}{'nDCG@10':>10}{'R@10':>8}{'q/s':>8}"
          f"{'<10 docs':>10}")
    print(f"{'':<24}{f'cited, {n_claims} claims':>17} {f'evidence, {n_ev} claims':>17}")
    for r in rows:
        print(f"{r.name:<24}{r.ndcg:>9.3f}{r.recall:>8.3f}{r.ndcg_ev:>10.3f}"
              f"{r.recall_ev:>8.3f}{r.qps:>8.1f}{r.short:>10}")
    by = {r.name: r for r in rows}
    print(f"\nanchor: BM25 nDCG@10 ~{ANCHOR_BM25} (BEIR SciFact test); target: hybrid >= "
          f"{TARGET_FUSED}")
    for lex in ("fts5", "rank-bm25"):
        fused, bm25 = by[f"hybrid ({lex})"], by[f"BM25 ({lex})"]
        print(f"hybrid/BM25 ({lex}): cited {fused.ndcg / bm25.ndcg:.3f}, evidence "
              f"{fused.ndcg_ev / bm25.ndcg_ev:.3f}; hybrid/target (cited): "
              f"{fused.ndcg / TARGET_FUSED:.3f}; BM25/anchor (cited): {bm25.ndcg / ANCHOR_BM25:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="library folder to create or reuse")
    parser.add_argument("--top", type=int, default=50, help="passages asked of search()")
    args = parser.parse_args()
    claims = load_claims()
    with library_home(args.home, "synth-scifact-") as home, \
            open_store(home / "library.db") as store:
        embedder = load_embedder()
        build_library(store, embedder)
        fts5 = Searcher(store, embedder, lexical="fts5")
        with Timer() as t_bm25:
            bm25 = Searcher(store, embedder, lexical="rank-bm25")
        print(f"rank-bm25 Searcher built in {t_bm25.seconds:.2f}s")
        rows = [evaluate("BM25 (fts5)", fts5, "lexical", claims, args.top),
                evaluate("BM25 (rank-bm25)", bm25, "lexical", claims, args.top),
                evaluate("dense (MiniLM)", fts5, "dense", claims, args.top),
                evaluate("hybrid (fts5)", fts5, "hybrid", claims, args.top),
                evaluate("hybrid (rank-bm25)", bm25, "hybrid", claims, args.top)]
        scaled = max(1, round(store.counts()["passages"] * LEXICAL_BUDGET / 1_000_000))
        budgeted = Searcher(store, embedder, lexical="fts5", lexical_budget=scaled)
        rows += [evaluate(f"BM25 (fts5, budget {scaled})", budgeted, "lexical", claims, args.top),
                 evaluate(f"hybrid (fts5, budget {scaled})", budgeted, "hybrid", claims, args.top)]
    print_table(rows, len(claims), sum(bool(c.evidence) for c in claims))


if __name__ == "__main__":
    main()
