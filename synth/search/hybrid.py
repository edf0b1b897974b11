"""Hybrid passage search: a lexical ranking and a dense (embedding) ranking, fused.

Lexical backends, chosen by the ``lexical`` setting:

* ``fts5`` (default): SQLite FTS5's built-in BM25 over an index kept in the library file, with
  the Porter stemmer. Nothing is rebuilt when a process starts, so a fresh ``synth search``
  on a 19k-paper library answers in milliseconds; see bench/ for the side-by-side figures.
* ``rank-bm25``: the design card's rank-bm25 ``BM25Okapi`` over every passage, built in memory
  when the searcher is created (seconds at library scale: every process pays it), queried
  through postings lists (see :class:`RankBM25Index`).

Dense: cosine similarity (dot product of unit vectors) between the query and the passage
embeddings of the configured model: exact over one in-memory matrix for a small library, an
HNSW index file beside the library for a large one (:mod:`synth.search.ann`).

Fusion: reciprocal rank fusion, ``sum 1 / (RRF_K + rank)`` over the two candidate lists of
``CANDIDATES`` each; RRF needs no score calibration between BM25 and cosine. ``RRF_K = 5``
rather than the customary 60: on SciFact (bench/fusion_scifact.py, tuned on half the claims,
checked on the other half) k=5 gave held-out nDCG@10 0.729 against 0.718 for k=60.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from synth.errors import EmptyLibrary
from synth.records.papers import Hit
from synth.search.ann import ANN_MIN, DenseIndex, only_allowed, open_dense, top_indices
from synth.search.embed import Embedder, embed_missing
from synth.store.db import Store

RRF_K = 5
CANDIDATES = 100
_WORD = re.compile(r"[A-Za-z0-9]+")
STOPWORDS = frozenset("""a an and are as at be been by can could did do does for from had has have
how i if in into is it its may might of on or our should so such than that the their them then
there these they this those to was we were what when where which while who whom why will with
would you your about between within without via versus vs do does done using used use""".split())


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords (shared by both lexical backends)."""
    return [t for t in (w.lower() for w in _WORD.findall(text)) if t not in STOPWORDS]


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: any of the query's content words (BM25 ranks the overlap)."""
    return " OR ".join(f'"{t}"' for t in dict.fromkeys(tokens(text)))


class RankBM25Index:
    """rank-bm25's BM25Okapi over every passage of the library, built once per process.

    Queries are scored from postings lists made from the BM25Okapi object (its idf, k1, b and
    length normalisation), touching only passages that contain a query token: the same scores
    as ``BM25Okapi.get_scores``, which walks every passage per token (bench/bm25_postings.py:
    identical top 100 for 200/200 queries; p95 560 ms -> 0.7 ms at 52k passages)."""

    def __init__(self, store: Store) -> None:
        from rank_bm25 import BM25Okapi

        rows = store.passage_texts()
        self.pks = np.array([pk for pk, _ in rows], dtype=np.int64)
        self.bm25 = BM25Okapi([tokens(text) for _, text in rows]) if rows else None
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self.bm25 is not None:
            self._build_postings(self.bm25)

    def _build_postings(self, bm25: object) -> None:
        docs: dict[str, list[int]] = {}
        freqs: dict[str, list[int]] = {}
        for i, doc in enumerate(bm25.doc_freqs):  # type: ignore[attr-defined]
            for term, freq in doc.items():
                docs.setdefault(term, []).append(i)
                freqs.setdefault(term, []).append(freq)
        self.postings = {t: (np.asarray(docs[t], dtype=np.int64),
                             np.asarray(freqs[t], dtype=np.float64)) for t in docs}
        lengths = np.asarray(bm25.doc_len, dtype=np.float64)  # type: ignore[attr-defined]
        self.norm = bm25.k1 * (1 - bm25.b + bm25.b * lengths / bm25.avgdl)  # type: ignore[attr-defined]

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25Okapi scores of every passage, in ``self.pks`` order."""
        assert self.bm25 is not None
        score = np.zeros(len(self.pks))
        for q in query_tokens:
            if q in self.postings:
                idx, tf = self.postings[q]
                score[idx] += (self.bm25.idf.get(q) or 0) * (tf * (self.bm25.k1 + 1)
                                                             / (tf + self.norm[idx]))
        return score

    def top(self, query: str, limit: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        if self.bm25 is None:
            return []
        scores = only_allowed(allowed, self.pks, self.scores(tokens(query)), 0.0)
        best = top_indices(scores, limit)
        return [(int(self.pks[i]), float(scores[i])) for i in best if scores[i] > 0]


def rrf(rankings: list[list[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of ranked id lists (rank 1 first)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, pk in enumerate(ranking, start=1):
            fused[pk] = fused.get(pk, 0.0) + 1.0 / (k + rank)
    return fused


class Searcher:
    """Holds what a query needs (the dense index, the rank-bm25 index) for warm queries."""

    def __init__(self, store: Store, embedder: Embedder, lexical: str = "fts5",
                 progress: Callable[[int, int], None] | None = None,
                 ann_min: int = ANN_MIN) -> None:
        if store.counts()["passages"] == 0:
            raise EmptyLibrary(f"the library at {store.path} has no passages to search",
                               "add papers first: synth ingest 2106.09685 | FILE.jsonl | DIR")
        self.store = store
        self.embedder = embedder
        embed_missing(store, embedder, progress)
        self.dense: DenseIndex = open_dense(store, embedder.name, ann_min)
        self._bm25 = RankBM25Index(store) if lexical == "rank-bm25" else None

    def lexical_top(self, query: str, limit: int = CANDIDATES,
                    allowed: set[int] | None = None) -> list[tuple[int, float]]:
        if self._bm25 is not None:
            return self._bm25.top(query, limit, allowed)
        return self.store.fts_search(fts_query(query), limit, allowed)

    def dense_top(self, query: str, limit: int = CANDIDATES, allowed: set[int] | None = None,
                  vector: np.ndarray | None = None) -> list[tuple[int, float]]:
        vector = self.embedder.encode([query])[0] if vector is None else vector
        return self.dense.top(vector, limit, allowed)

    def search(self, query: str, top: int = 10, mode: str = "hybrid",
               paper_ids: list[str] | None = None) -> list[Hit]:
        """Best ``top`` passages for ``query``; mode is hybrid, lexical or dense. With
        ``paper_ids``, only passages of those papers are ranked."""
        allowed = self.store.passage_pks_for_papers(paper_ids) if paper_ids else None
        vector = self.embedder.encode([query])[0]
        lexical = [pk for pk, _ in self.lexical_top(query, allowed=allowed)] if mode != "dense" else []
        dense = ([pk for pk, _ in self.dense_top(query, allowed=allowed, vector=vector)]
                 if mode != "lexical" else [])
        fused = rrf([r for r in (lexical, dense) if r])
        best = sorted(fused, key=lambda pk: -fused[pk])[:top]
        rows = self.store.hits_rows(best)
        similarity = self.dense.similarities(vector, best)
        lex_rank = {pk: i for i, pk in enumerate(lexical, start=1)}
        dense_rank = {pk: i for i, pk in enumerate(dense, start=1)}
        hits = []
        for pk in best:
            row = {k: v for k, v in rows[pk].items() if k != "pk"}
            cos = similarity.get(pk)
            hits.append(Hit(**row, score=round(fused[pk], 6), lexical_rank=lex_rank.get(pk),
                            dense_rank=dense_rank.get(pk),
                            similarity=None if cos is None else round(cos, 4)))
        return hits
