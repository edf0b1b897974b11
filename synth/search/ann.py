"""Dense search over the library's passage vectors: exact for a small library, an HNSW index
(usearch) in a file beside the library for a large one. Both answer the same two calls
(:class:`DenseIndex`), so :class:`synth.search.hybrid.Searcher` does not know which it has.

* **Exact** (:class:`ExactIndex`), below ``ann_min`` embedded passages (setting
  ``SYNTH_ANN_MIN``, default 100,000): one float32 matrix in memory, one product per query.
  At 100k passages that is 150 MB and a few milliseconds.
* **ANN** (:class:`AnnIndex`), from ``ann_min`` passages on: usearch's HNSW graph, cosine,
  vectors kept as float16, connectivity 16, expansion 128 when adding and 256 when searching
  (512 from 2M vectors on; ``bench/ann.py`` measures it against faiss and exact search: at
  1M vectors, expansion 128 gave recall@10 0.954 and 256 gave 0.982, both under 4 ms at p95;
  at 5M, 256 gave 0.913 and 512 gave 0.951 at p95 14 ms). The file,
  ``<home>/index/<model>.usearch``, is opened as a memory-mapped view, so a query process
  holds no copy of it: the operating system's page cache is shared by every process.

**Kept in step.** The ``dense_index`` table lists the passages (pk and text sha256) the file
holds. :func:`sync_index` (one writer at a time, under a lock file) removes members whose
passage is gone or holds another text, adds embedded passages that are not members, writes
the new file beside the old one and renames it into place (a reader's open view stays valid),
then records the change. A run killed between the rename and the record leaves members the
table does not list; the next sync replaces them, so file and table agree again. A missing or
unreadable file is rebuilt from the stored vectors. When nothing changed, a sync only reads
the library (the file is loaded whole, to be written, only when there is work), so a query
process never holds its own copy.

**Filtered search** (only some papers' passages, as the pipeline's screen asks) ranks the
allowed passages exactly, from their stored vectors. The similarity a hit shows is always the
exact cosine of its stored float32 vector.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from synth.errors import StoreError
from synth.store.db import Store

log = logging.getLogger(__name__)
ANN_MIN = 100_000
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256
EXPANSION_SEARCH_LARGE = 512  # from LARGE vectors on: at 5M, 256 gave recall@10 0.91, 512 0.95
LARGE = 2_000_000


class DenseIndex(Protocol):
    def top(self, query: np.ndarray, limit: int,
            allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(passage pk, cosine) of the best ``limit`` passages, best first; with ``allowed``,
        only among those pks."""
        ...

    def similarities(self, query: np.ndarray, pks: list[int]) -> dict[int, float]:
        """Exact cosine of each of ``pks`` that has a vector."""
        ...


def top_indices(scores: np.ndarray, limit: int) -> np.ndarray:
    if len(scores) <= limit:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, limit)[:limit]
    return part[np.argsort(-scores[part], kind="stable")]


def only_allowed(allowed: set[int] | None, pks: np.ndarray, scores: np.ndarray,
                 floor: float) -> np.ndarray:
    """``scores`` with every passage outside ``allowed`` (when given) set to ``floor``."""
    if allowed is None:
        return scores
    return np.where(np.isin(pks, list(allowed)), scores, floor)


def ranked(pks: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
    return [(int(pks[i]), float(scores[i])) for i in top_indices(scores, limit)
            if np.isfinite(scores[i])]


class ExactIndex:
    """Every passage vector in one float32 matrix (``pks`` in pk order)."""

    def __init__(self, pks: np.ndarray, matrix: np.ndarray) -> None:
        self.pks, self.matrix = pks, matrix
        self.row_of = {int(pk): i for i, pk in enumerate(pks)}

    def top(self, query: np.ndarray, limit: int,
            allowed: set[int] | None = None) -> list[tuple[int, float]]:
        if len(self.pks) == 0:
            return []
        scores = only_allowed(allowed, self.pks, self.matrix @ query, -np.inf)
        return ranked(self.pks, scores, limit)

    def similarities(self, query: np.ndarray, pks: list[int]) -> dict[int, float]:
        rows = [(pk, self.row_of[pk]) for pk in pks if pk in self.row_of]
        return {pk: float(self.matrix[i] @ query) for pk, i in rows}


class AnnIndex:
    """A usearch HNSW index opened as a memory-mapped view; exact for filtered searches."""

    def __init__(self, store: Store, model: str, path: Path) -> None:
        from usearch.index import Index

        self.store, self.model = store, model
        self.index = Index.restore(str(path), view=True)
        self.index.expansion_search = (EXPANSION_SEARCH if len(self.index) < LARGE
                                       else EXPANSION_SEARCH_LARGE)

    def top(self, query: np.ndarray, limit: int,
            allowed: set[int] | None = None) -> list[tuple[int, float]]:
        if allowed is not None:
            pks, matrix = self.store.passage_vectors(self.model, sorted(allowed))
            return ranked(pks, matrix @ query, limit) if len(pks) else []
        matches = self.index.search(query, limit, threads=1)
        return [(int(k), 1.0 - float(d)) for k, d in zip(matches.keys, matches.distances)]

    def similarities(self, query: np.ndarray, pks: list[int]) -> dict[int, float]:
        found, matrix = self.store.passage_vectors(self.model, pks)
        return {int(pk): float(v @ query) for pk, v in zip(found, matrix)}


def index_path(store: Store, model: str) -> Path:
    """``<home>/index/<model>.usearch``, the model name made safe as a file name."""
    return store.path.parent / "index" / (re.sub(r"[^A-Za-z0-9._-]+", "_", model) + ".usearch")


@dataclass(frozen=True)
class IndexSync:
    added: int
    removed: int
    rebuilt: bool
    size: int


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _new_index(ndim: int):  # type: ignore[no-untyped-def]
    from usearch.index import Index

    return Index(ndim=ndim, metric="cos", dtype="f16", connectivity=CONNECTIVITY,
                 expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)


def _readable(path: Path, members: int):  # type: ignore[no-untyped-def]
    """The index file loaded for writing, or None when it is missing, unreadable or holds
    fewer members than the table lists (then it is rebuilt)."""
    from usearch.index import Index

    if not path.exists() or not members:
        return None
    try:
        index = Index.restore(str(path))
    except Exception as err:  # noqa: BLE001 - an unreadable file is rebuilt
        log.warning("rebuilding the dense index %s: cannot read it (%s)", path, err)
        return None
    return index if index is not None and len(index) >= members else None


def sync_index(store: Store, model: str, rebuild: bool = False) -> IndexSync:
    """Bring the index file of ``model`` in step with the library's embedded passages (or,
    with ``rebuild``, make it again from the stored vectors). When nothing changed, only the
    library is read: the file is loaded (whole, to be written) only when there is work."""
    path = index_path(store, model)
    with _locked(path):
        members = store.index_members(model)
        rebuild = rebuild or not path.exists() or not members
        stale = [] if rebuild else store.index_stale(model)
        if not rebuild and not stale and not store.index_has_fresh(model):
            return IndexSync(0, 0, False, members)
        index = None if rebuild else _readable(path, members)
        rebuilt = index is None
        if rebuilt:
            stale = []
            store.record_index(model, [], [], rebuilt=True)
        fresh, vectors = store.index_fresh(model)
        if index is None:
            index = _new_index(vectors.shape[1] if len(fresh) else 384)
        keys = np.array([pk for pk, _ in fresh], dtype=np.uint64)
        if stale:
            index.remove(np.array(stale, dtype=np.uint64))
        if len(keys):
            present = keys[np.asarray(index.contains(keys), dtype=bool)]
            if len(present):  # written by a run killed before it recorded them
                index.remove(present)
            # one thread below ANN_MIN vectors: the same passages give the same graph, so
            # the same ranking (threads race for neighbours); a large first build uses all cores
            index.add(keys, vectors, threads=1 if len(keys) < ANN_MIN else 0)
        partial = path.with_suffix(".partial")
        try:
            index.save(str(partial))
            os.replace(partial, path)
        except (OSError, RuntimeError) as err:  # usearch raises RuntimeError on a failed write
            if partial.is_file():
                partial.unlink()
            raise StoreError(f"cannot write the dense index {path} ({err})",
                             "free disk space or check the folder's permissions, then run "
                             "again: the library and the previous index are intact") from err
        store.record_index(model, stale, fresh, rebuilt=rebuilt)
        log.info("dense index %s: %d added, %d removed%s", path.name, len(fresh), len(stale),
                 " (rebuilt)" if rebuilt else "")
        return IndexSync(len(fresh), len(stale), rebuilt, len(index))


def open_dense(store: Store, model: str, ann_min: int = ANN_MIN) -> DenseIndex:
    """The dense index for ``model``: exact below ``ann_min`` embedded passages, else the
    ANN file, brought in step with the library first."""
    if store.embedded_passages(model) < ann_min:
        return ExactIndex(*store.embedding_matrix(model))
    if not store.readonly:
        sync_index(store, model)
    path = index_path(store, model)
    if not path.exists():  # a read-only library that was never indexed
        return ExactIndex(*store.embedding_matrix(model))
    try:
        return AnnIndex(store, model, path)
    except Exception as err:  # noqa: BLE001 - a file broken since it was last written
        if store.readonly:
            raise StoreError(f"the dense index {path} cannot be read ({err})",
                             "open the library writable once, so synth rebuilds it") from err
        log.warning("rebuilding the dense index %s: cannot read it (%s)", path, err)
        sync_index(store, model, rebuild=True)
        return AnnIndex(store, model, path)
