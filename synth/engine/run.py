"""The commands' entry points to an engine: ingest (with its embedding and index step) and
the runner of a batch's questions, for ``local`` or ``ray``."""

from __future__ import annotations

from synth.config import Settings
from synth.library.ingest import Progress, ingest, ingest_pdf_files, no_progress
from synth.pipeline.batch import ItemRunner, process_pool
from synth.records.papers import IngestReport
from synth.store.db import Store


def ingest_and_embed(store: Store, settings: Settings, sources: list[str], *,
                     query: str | None = None, max_results: int = 10, with_pdf: bool = True,
                     embed: bool = True, engine: str = "local", address: str | None = None,
                     progress: Progress = no_progress) -> IngestReport:
    """Ingest ``sources``, then (with ``embed``) embed every passage text without a vector,
    also what an earlier, interrupted ingest left, and bring the ANN index in step when the
    library is large enough to use one."""
    from synth.search.ann import sync_index
    from synth.search.embed import LazyEmbedder, embed_missing

    if engine == "ray":
        from synth.engine.ray_engine import connect, ray_embed_missing, ray_pdfs

        connect(address)  # fail before any work when the cluster cannot be reached
        pdfs = ray_pdfs(address)
    else:
        pdfs = ingest_pdf_files
    report = ingest(store, settings, sources, query=query, max_results=max_results,
                    with_pdf=with_pdf, progress=progress, pdfs=pdfs)
    if embed:
        bar = lambda d, t: progress("embeddings", d, t)  # noqa: E731
        report.embedded = (ray_embed_missing(store, settings.embed_model, address, bar)
                           if engine == "ray" else
                           embed_missing(store, LazyEmbedder(settings.embed_model), bar))
        if store.embedded_passages(settings.embed_model) >= settings.ann_min:
            sync_index(store, settings.embed_model)
    return report


def batch_runner(engine: str = "local", workers: int | None = None,
                 address: str | None = None) -> ItemRunner:
    if engine == "ray":
        from synth.engine.ray_engine import connect, ray_runner

        connect(address)
        return ray_runner(address)
    return process_pool(workers)
