"""The Ray engine: ingest's parsing and embedding, and a batch's questions, as Ray tasks.

**Ingest** (``synth ingest --engine ray``). The driver (the ``synth`` process) reads each
local PDF, skips those stored unchanged, and sends the bytes of the rest to parse tasks;
passage texts without a vector go to embedding tasks in chunks of :data:`EMBED_CHUNK`, shortest
first (each worker process loads the model once). The driver is the library's only writer: it
stores each result as it arrives, one transaction per paper or chunk, so SQLite stays
consistent and a worker never needs the library file. Snapshot records and arXiv downloads are
read by the driver (they are cheap, or rate-limited by arXiv); their embedding fans out.

**Batch** (``synth batch --engine ray``). Each unfinished question is a task that runs
``synth ask`` on a worker, reading the library at the same path on its node (one machine, a
shared disk, or a copy of the library on each node), and returns the report unstored. The
driver is the only writer of reports: it stores each as it arrives (with the extractions its
claims come from, which ``synth audit`` checks), marking the item done in the same
transaction, and writes its files; a done item is never stored again, so a question
finishes exactly once even when a task runs twice. A worker keeps the stages' own work
(extractions, verdicts) in the library it reads, so a question retried on the same node
reuses it.

**Failures.** A task whose worker process dies is retried by Ray on a live worker
(:data:`RETRIES` times). A task that still fails is reported for its item (a PDF, a
question) and the others carry on. A killed driver leaves what it stored; rerun the same
command and it goes on from there, as the local engine does.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from synth.config import Settings
from synth.errors import EngineError, SynthError
from synth.library.ingest import LocalPdf, PdfIngester, parse_local_pdf, read_pdf, store_pdf
from synth.pipeline.batch import Draft, Item, ItemRunner, draft_item, store_draft
from synth.records.papers import IngestReport, ParsedText
from synth.search.embed import embedding_todo
from synth.store.db import Store, open_store

EMBED_CHUNK = 256
RETRIES = 3
IN_FLIGHT_PER_CPU = 2  # tasks queued per cluster CPU: workers never wait, the driver's memory stays bounded


def require_ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise EngineError("the Ray engine needs Ray, which is not installed",
                          "pip install 'synth[ray]', or use --engine local") from err
    return ray


def connect(address: str | None = None) -> Any:
    """Join the cluster at ``address`` (else ``RAY_ADDRESS``; with neither, start Ray on this
    machine); returns the ``ray`` module."""
    ray = require_ray()
    if ray.is_initialized():
        return ray
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address and not reachable(address):  # ray.init would retry for minutes
        raise EngineError(f"no Ray cluster answers at {address}",
                          "start one with `ray start --head`, check --ray-address / "
                          "RAY_ADDRESS, or use --engine local")
    errors_to_stderr(ray)
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR, configure_logging=True)
    except Exception as err:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ...
        where = f"at {address}" if address else "on this machine"
        raise EngineError(f"cannot start or reach a Ray cluster {where}: "
                          f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}",
                          "start one with `ray start --head`, check --ray-address / "
                          "RAY_ADDRESS, or use --engine local") from err
    return ray


def errors_to_stderr(ray: Any) -> None:
    """Ray prints the cluster's error messages (a worker that died, a task retried) on the
    driver's stdout, where synth writes its results (``--json``): send them to stderr."""
    worker = getattr(getattr(ray, "_private", None), "worker", None)
    show = getattr(worker, "print_to_stdstream", None)
    if show is None or getattr(show, "to_stderr", False):
        return

    def to_stderr(data: dict, ignore_prefix: bool) -> None:
        show({**data, "is_err": True}, ignore_prefix)

    to_stderr.to_stderr = True  # type: ignore[attr-defined]
    worker.print_to_stdstream = to_stderr  # type: ignore[union-attr]


def reachable(address: str, timeout: float = 5.0) -> bool:
    """Whether something listens at a ``host:port`` address (other forms, such as ``auto``
    or ``ray://``, are left to Ray)."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return True
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def window(ray: Any) -> int:
    return max(2, int(ray.cluster_resources().get("CPU", 1) * IN_FLIGHT_PER_CPU))


def fan_out(ray: Any, remote: Any, jobs: Iterable[tuple[Any, tuple]],
            limit: int) -> Iterator[tuple[Any, Any, BaseException | None]]:
    """Run ``remote`` over ``jobs`` ((tag, args) pairs) with at most ``limit`` in flight;
    yields (tag, result, None) or (tag, None, error) as each finishes."""
    pending: dict[Any, Any] = {}

    def finished(ref: Any) -> tuple[Any, Any, BaseException | None]:
        tag = pending.pop(ref)
        try:
            return tag, ray.get(ref), None
        except Exception as err:  # noqa: BLE001 - a task that failed after its retries
            return tag, None, err

    for tag, args in jobs:
        while len(pending) >= limit:
            done, _ = ray.wait(list(pending), num_returns=1)
            yield finished(done[0])
        pending[remote.remote(*args)] = tag
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        yield finished(done[0])


def why(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[-1] if text else ''}"[:200]


# ---- the tasks (run in Ray worker processes) ----

_MODELS: dict[str, Any] = {}


def parse_pdf_task(pdf: LocalPdf) -> ParsedText:
    return parse_local_pdf(pdf)


def embed_task(model: str, texts: list[str]) -> np.ndarray:
    """Vectors of ``texts``; the model is loaded once per worker process."""
    from synth.search.embed import load_embedder

    if model not in _MODELS:
        _MODELS[model] = load_embedder(model)
    return _MODELS[model].encode(texts)


def run_question(settings: Settings, item: Item) -> tuple[int, Draft | None, str | None]:
    return draft_item(settings, item)


# ---- the driver side ----

def ray_pdfs(address: str | None = None) -> PdfIngester:
    """Ingest's PDF step on the cluster: parsed there, stored here."""
    def run(store: Store, paths: list[Path], report: IngestReport,
            done: Callable[[int], None]) -> None:
        ray = connect(address)
        remote = ray.remote(max_retries=RETRIES)(parse_pdf_task)
        count = 0

        def jobs() -> Iterator[tuple[LocalPdf, tuple]]:
            nonlocal count
            for path in paths:
                pdf = read_pdf(store, path, report)
                if pdf is None:
                    count += 1
                    done(count)
                else:
                    yield pdf, (pdf,)

        for pdf, parsed, err in fan_out(ray, remote, jobs(), window(ray)):
            if err is not None:
                report.note_failed(f"{pdf.path}: not parsed ({why(err)}); run again to retry")
            else:
                store_pdf(store, pdf, parsed, report)
            count += 1
            done(count)
    return run


def ray_embed_missing(store: Store, model: str, address: str | None = None,
                      progress: Callable[[int, int], None] | None = None) -> int:
    """Embed every passage text without a vector of ``model`` on the cluster; each chunk is
    stored as it comes back, so a killed run keeps what finished. Returns how many."""
    todo = embedding_todo(store, model)
    if not todo:
        return 0
    ray = connect(address)
    remote = ray.remote(max_retries=RETRIES)(embed_task)
    chunks = [todo[i:i + EMBED_CHUNK] for i in range(0, len(todo), EMBED_CHUNK)]
    jobs = ((chunk, (model, [text for _, text in chunk])) for chunk in chunks)
    stored, failed = 0, None
    for chunk, vectors, err in fan_out(ray, remote, jobs, window(ray)):
        if err is not None:
            failed = err
            continue
        store.save_embeddings(model, [sha for sha, _ in chunk], vectors)
        stored += len(chunk)
        if progress:
            progress(stored, len(todo))
    if failed is not None:
        raise SynthError(f"{len(todo) - stored} of {len(todo)} passage texts were not embedded "
                          f"({why(failed)}); the rest are stored",
                          "run the same ingest again to embed what is left")
    return stored


def ray_runner(address: str | None = None) -> ItemRunner:
    """A batch's questions as Ray tasks; their reports are stored here, as they arrive."""
    def run(settings: Settings, batch_id: str, todo: list[Item], out: Path | None,
            formats: list[str], progress: Callable[[int, int], None] | None) -> dict[int, str]:
        ray = connect(address)
        remote = ray.remote(max_retries=RETRIES)(run_question)
        errors: dict[int, str] = {}
        jobs = ((item, (settings, item)) for item in todo)
        with open_store(settings.db_path) as store:
            for n, (item, result, err) in enumerate(fan_out(ray, remote, jobs, window(ray)),
                                                    start=1):
                if err is not None:
                    errors[item.line] = (f"the task failed ({why(err)}); run the batch again "
                                         "to retry")
                elif result[2]:
                    errors[item.line] = result[2]
                else:
                    error = store_draft(store, settings, batch_id, item.line, result[1], out,
                                        formats)
                    if error:
                        errors[item.line] = error
                if progress:
                    progress(n, len(todo))
        return errors
    return run
