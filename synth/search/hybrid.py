"""Hybrid passage search: a lexical ranking and a dense (embedding) ranking, fused.

Lexical backends, chosen by the ``lexical`` setting:

* ``fts5`` (default): SQLite FTS5's built-in BM25 over an index kept in the library file, with
  the Porter stemmer. Nothing is rebuilt when a process starts, so a fresh ``synth search``
  on a 19k-paper library answers in milliseconds; see bench/ for the side-by-side figures.
  BM25 over an OR of a query's words scores every passage holding any of them, so a large
  library's common words ("models", "language": half of a million LLM abstracts) would cost
  a second per query: a query's words are ranked by rarest first within a budget of
  :data:`LEXICAL_BUDGET` passages (:func:`budgeted_terms`).
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
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from synth.errors import EmptyLibrary, StoreError
from synth.records.papers import Hit
from synth.search.ann import (
    ANN_MIN,
    AnnIndex,
    DenseIndex,
    ExactIndex,
    index_path,
    only_allowed,
    open_dense,
    top_indices,
)
from synth.search.embed import Embedder, embed_missing
from synth.store.db import Store, open_readonly

RRF_K = 5
CANDIDATES = 100
LEXICAL_BUDGET = 50_000
"""Most passages the FTS5 half scores per query, in a library of more passages than this:
when a query's words together appear in more, BM25 ranks by its rarest words only, as many as
fit (at least the rarest one). A smaller library, or a query within the budget, ranks exactly.
Measured in bench/README.md ("Hybrid search at scale"): p95 at a million passages, and the
nDCG cost on SciFact with the budget scaled to that library."""
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
    return fts_or(list(dict.fromkeys(tokens(text))))


def fts_or(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def budgeted_terms(terms: list[str], passages_with: Callable[[str], int],
                   budget: int = LEXICAL_BUDGET) -> list[str]:
    """``terms`` when the passages holding any of them number at most ``budget`` (counted
    per term, capped just above it, by ``passages_with``); else the rarest ones that fit
    together, at least one. Words no passage holds are dropped either way (they score 0)."""
    counts = {t: passages_with(t) for t in terms}
    present = [t for t in terms if counts[t]]
    if sum(counts.values()) <= budget:
        return present
    kept: list[str] = []
    total = 0
    for term in sorted(present, key=lambda t: counts[t]):
        if kept and total + counts[term] > budget:
            break
        kept.append(term)
        total += counts[term]
    return kept


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


def open_in_step(store: Store, embedder: Embedder, ann_min: int = ANN_MIN,
                 progress: Callable[[int, int], None] | None = None) -> DenseIndex:
    """Dense search in step with the library: every passage embedded with ``embedder``'s
    model, the ANN file synced (:func:`~synth.search.ann.open_dense`). Those checks read every
    passage (seconds at a million), so a pass that changed nothing is recorded with the
    library's generation; a process that finds it unmoved opens the index without them."""
    model = embedder.name
    generation = store.generation()
    last = store.in_step_at(model)
    if last and last[0] == generation and last[2] == ann_min:
        if last[1] == "exact":
            return ExactIndex(*store.embedding_matrix(model))
        path = index_path(store, model)
        if path.exists():
            try:
                return AnnIndex(store, model, path)
            except Exception:  # noqa: BLE001 - broken since: the checks below rebuild it
                pass
    embed_missing(store, embedder, progress)
    dense = open_dense(store, model, ann_min)
    if not store.readonly and store.generation() == generation:
        store.record_in_step(model, generation,
                             "ann" if isinstance(dense, AnnIndex) else "exact", ann_min)
    return dense


class Searcher:
    """Holds what a query needs (the dense index, the rank-bm25 index) for warm queries.

    A hybrid query's two halves run side by side: the FTS5 half in a thread of its own, on a
    second, read-only connection to the library (SQLite lets go of the GIL while it works),
    while this thread embeds the query and searches the dense index. With ``parallel=False``,
    the rank-bm25 backend, or where no second connection opens, one after the other."""

    def __init__(self, store: Store, embedder: Embedder, lexical: str = "fts5",
                 progress: Callable[[int, int], None] | None = None,
                 ann_min: int = ANN_MIN, lexical_budget: int = LEXICAL_BUDGET,
                 parallel: bool = True) -> None:
        passages = store.passage_count()
        if passages == 0:
            raise EmptyLibrary(f"the library at {store.path} has no passages to search",
                               "add papers first: synth ingest 2106.09685 | FILE.jsonl | DIR")
        self.store = store
        self.embedder = embedder
        self.dense: DenseIndex = open_in_step(store, embedder, ann_min, progress)
        self._bm25 = RankBM25Index(store) if lexical == "rank-bm25" else None
        self.lexical_budget = lexical_budget if passages > lexical_budget else None
        self._term_counts: dict[str, int] = {}  # the budget's counts, kept for warm queries
        self.parallel = parallel and self._bm25 is None
        self._reader: Store | None = None
        self._pool: ThreadPoolExecutor | None = None

    def lexical_top(self, query: str, limit: int = CANDIDATES,
                    allowed: set[int] | None = None,
                    store: Store | None = None) -> list[tuple[int, float]]:
        """The lexical half's ranking; ``store``: the connection to run FTS5 on (default:
        the searcher's own)."""
        if self._bm25 is not None:
            return self._bm25.top(query, limit, allowed)
        store = store or self.store
        terms = list(dict.fromkeys(tokens(query)))
        if allowed is None and self.lexical_budget:  # a filtered search scores only those
            terms = budgeted_terms(terms, lambda t: self._passages_with(t, store),
                                   self.lexical_budget)
        return store.fts_search(fts_or(terms), limit, allowed)

    def _passages_with(self, term: str, store: Store) -> int:
        if term not in self._term_counts:
            if len(self._term_counts) > 100_000:
                self._term_counts.clear()
            assert self.lexical_budget is not None
            self._term_counts[term] = store.fts_count(f'"{term}"', self.lexical_budget + 1)
        return self._term_counts[term]

    def _lexical_later(self, query: str,
                       allowed: set[int] | None) -> Future[list[tuple[int, float]]] | None:
        """The lexical half started in the searcher's thread, or None to run it here."""
        if not self.parallel:
            return None
        if self._pool is None:
            try:
                self._reader = open_readonly(self.store.path)
            except StoreError:
                self.parallel = False
                return None
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="synth-lexical")
        return self._pool.submit(self.lexical_top, query, CANDIDATES, allowed, self._reader)

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the lexical thread and its connection (a searcher that is not closed
        lets go of them when it is garbage-collected)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def dense_top(self, query: str, limit: int = CANDIDATES, allowed: set[int] | None = None,
                  vector: np.ndarray | None = None) -> list[tuple[int, float]]:
        vector = self.embedder.encode([query])[0] if vector is None else vector
        return self.dense.top(vector, limit, allowed)

    def search(self, query: str, top: int = 10, mode: str = "hybrid",
               paper_ids: list[str] | None = None) -> list[Hit]:
        """Best ``top`` passages for ``query``; mode is hybrid, lexical or dense. With
        ``paper_ids``, only passages of those papers are ranked."""
        allowed = self.store.passage_pks_for_papers(paper_ids) if paper_ids else None
        later = self._lexical_later(query, allowed) if mode == "hybrid" else None
        vector = self.embedder.encode([query])[0]
        dense = ([pk for pk, _ in self.dense_top(query, allowed=allowed, vector=vector)]
                 if mode != "lexical" else [])
        found = (later.result() if later is not None
                 else self.lexical_top(query, allowed=allowed) if mode != "dense" else [])
        lexical = [pk for pk, _ in found]
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
