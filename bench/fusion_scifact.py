"""Fusion experiments on SciFact: which way of mixing BM25 and dense rankings reaches
nDCG@10 >= 0.70, tuned on one half of the train claims and checked on the other half.

Candidate lists (deep: 500 passages, with scores) are taken once per claim from synth's own
``Searcher.lexical_top`` / ``dense_top``; every fusion is then computed here:

* ``rrf-passage``: weighted RRF over passage rankings, ``sum w / (k + rank)``, as synth does
  with w = 1 (checked against ``synth.search.hybrid.rrf``), then a paper's rank = its best passage;
* ``rrf-doc``: each ranking first collapsed to papers (best passage), then weighted RRF;
* ``convex``: ``alpha * cosine + (1 - alpha) * bm25``, each min-max normalised over its own
  candidate list (0 when absent), best passage per paper.

Grid searched on the tuning half (random half of the 809 claims, seed 0); the best of each
family is reported on the tuning half, the held-out half and all claims, relevant = cited docs
(and the evidence-only variant), for both lexical backends.

    python bench/fusion_scifact.py --home DIR   # DIR as built by retrieval_scifact.py
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import distinct, library_home, ndcg_at
from retrieval_scifact import Claim, build_library, load_claims

from synth.search.embed import load_embedder
from synth.search.hybrid import CANDIDATES, RRF_K, Searcher, rrf
from synth.store.db import open_store

DEPTH = 500
Scored = list[tuple[int, float]]


@dataclass(frozen=True)
class Candidates:
    lexical: Scored
    dense: Scored


@dataclass(frozen=True)
class Config:
    method: str
    k: int = 60
    w_dense: float = 1.0
    depth: int = 100
    alpha: float = 0.5

    def __str__(self) -> str:
        if self.method == "convex":
            return f"convex alpha={self.alpha:.2f} depth={self.depth}"
        return f"{self.method} k={self.k} w_dense={self.w_dense} depth={self.depth}"


def weighted_rrf(rankings: list[list[str]], weights: list[float], k: int) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


def _minmax(scored: Scored) -> dict[int, float]:
    if not scored:
        return {}
    lo, hi = min(s for _, s in scored), max(s for _, s in scored)
    return {pk: (s - lo) / (hi - lo) if hi > lo else 1.0 for pk, s in scored}


def fuse(c: Candidates, cfg: Config, paper: dict[int, str]) -> list[str]:
    """A paper ranking for one query under one fusion config."""
    lex, dense = c.lexical[:cfg.depth], c.dense[:cfg.depth]
    if cfg.method == "convex":
        nl, nd = _minmax(lex), _minmax(dense)
        score = {pk: cfg.alpha * nd.get(pk, 0.0) + (1 - cfg.alpha) * nl.get(pk, 0.0)
                 for pk in nl.keys() | nd.keys()}
        return distinct(paper[pk] for pk in sorted(score, key=lambda p: -score[p]))
    lists = [[str(pk) for pk, _ in lex], [str(pk) for pk, _ in dense]]
    if cfg.method == "rrf-doc":
        lists = [distinct(paper[int(pk)] for pk in ranking) for ranking in lists]
    fused = weighted_rrf(lists, [1.0, cfg.w_dense], cfg.k)
    ranked = sorted(fused, key=lambda key: -fused[key])
    return ranked if cfg.method == "rrf-doc" else distinct(paper[int(pk)] for pk in ranked)


def ndcgs(cfg: Config, claims: list[Claim], cands: dict[int, Candidates],
          paper: dict[int, str], relevant: Callable[[Claim], frozenset[str]]) -> list[float]:
    return [ndcg_at(fuse(cands[c.id], cfg, paper), set(relevant(c))) for c in claims
            if relevant(c)]


def mean_ndcg(cfg: Config, claims: list[Claim], cands: dict[int, Candidates],
              paper: dict[int, str], relevant: Callable[[Claim], frozenset[str]]) -> float:
    values = ndcgs(cfg, claims, cands, paper, relevant)
    return sum(values) / len(values)


def paired_delta(a: list[float], b: list[float]) -> tuple[float, float]:
    """Mean of b - a and its standard error."""
    d = [y - x for x, y in zip(a, b)]
    mean = sum(d) / len(d)
    return mean, statistics.stdev(d) / math.sqrt(len(d))


def grid() -> list[Config]:
    rrf_grid = [Config(m, k, w, d) for m, k, w, d in itertools.product(
        ("rrf-passage", "rrf-doc"), (1, 2, 5, 10, 20, 30, 60, 100),
        (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0), (20, 50, 100, 200, 500))]
    convex = [Config("convex", depth=d, alpha=a / 20) for d in (20, 50, 100, 200, 500)
              for a in range(21)]
    return rrf_grid + convex


def collect(searcher: Searcher, claims: list[Claim]) -> dict[int, Candidates]:
    return {c.id: Candidates(searcher.lexical_top(c.text, DEPTH), searcher.dense_top(c.text, DEPTH))
            for c in claims}


def check_baseline(cands: dict[int, Candidates], claims: list[Claim]) -> None:
    """weighted_rrf with w = 1 must be synth.search.hybrid.rrf."""
    c = cands[claims[0].id]
    lists = [[pk for pk, _ in c.lexical[:100]], [pk for pk, _ in c.dense[:100]]]
    ours = weighted_rrf([[str(p) for p in r] for r in lists], [1.0, 1.0], RRF_K)
    assert {int(k): v for k, v in ours.items()} == rrf(lists), "weighted_rrf != synth rrf"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="library folder to create or reuse")
    args = parser.parse_args()
    claims = load_claims()
    order = list(range(len(claims)))
    random.Random(0).shuffle(order)
    tune = [claims[i] for i in order[:len(order) // 2]]
    held = [claims[i] for i in order[len(order) // 2:]]
    with library_home(args.home, "synth-scifact-") as home, \
            open_store(home / "library.db") as store:
        embedder = load_embedder()
        build_library(store, embedder)
        paper = dict(store.db.execute("SELECT pk, paper_id FROM passages").fetchall())
        cands = {lex: collect(Searcher(store, embedder, lexical=lex), claims)
                 for lex in ("fts5", "rank-bm25")}
    check_baseline(cands["fts5"], claims)
    cited: Callable[[Claim], frozenset[str]] = lambda c: c.cited
    evidence: Callable[[Claim], frozenset[str]] = lambda c: c.evidence
    scores = {cfg: mean_ndcg(cfg, tune, cands["fts5"], paper, cited) for cfg in grid()}
    current = Config("rrf-passage", RRF_K, 1.0, CANDIDATES)
    chosen = [current, Config("rrf-passage", 60, 1.0, 100)] + [
        max((c for c in scores if c.method == m), key=scores.__getitem__)
        for m in ("rrf-passage", "rrf-doc", "convex")]
    print(f"tuned on {len(tune)} claims (fts5, cited), checked on {len(held)}; "
          f"{len(scores)} configs; first row = synth's fusion as it is now "
          f"(RRF_K={RRF_K}, CANDIDATES={CANDIDATES}), second = the customary k=60; gain is "
          "against the first row\n")
    print(f"{'lexical':<10}{'config':<44}{'tune':>7}{'held-out':>10}{'all':>7}{'all evid.':>10}"
          f"{'held-out gain (SE)':>20}")
    for lex in ("fts5", "rank-bm25"):
        base = ndcgs(chosen[0], held, cands[lex], paper, cited)
        for cfg in chosen:
            row = [mean_ndcg(cfg, part, cands[lex], paper, cited) for part in (tune, held, claims)]
            ev = mean_ndcg(cfg, claims, cands[lex], paper, evidence)
            gain, se = paired_delta(base, ndcgs(cfg, held, cands[lex], paper, cited))
            print(f"{lex:<10}{cfg!s:<44}" + "".join(f"{v:>{w}.3f}" for v, w in
                  zip(row + [ev], (7, 10, 7, 10))) + f"{gain:>+13.3f} ({se:.3f})")
    print("\nrrf-passage, w_dense=1, by k (tune / held-out, fts5, cited):")
    for depth in (100, 500):
        print(f"  depth {depth:>3}: " + "  ".join(
            f"k={k} {scores[Config('rrf-passage', k, 1.0, depth)]:.3f}/"
            f"{mean_ndcg(Config('rrf-passage', k, 1.0, depth), held, cands['fts5'], paper, cited):.3f}"
            for k in (1, 2, 5, 10, 20, 30, 60, 100)))
    top = sorted(scores, key=scores.__getitem__, reverse=True)[:10]
    print("\nten best configs on the tuning half (fts5, cited):")
    for cfg in top:
        print(f"  {scores[cfg]:.4f}  {cfg}")


if __name__ == "__main__":
    main()
