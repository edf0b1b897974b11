"""Many reports at once: ``synth batch``.

**Batch.** A file of questions (one per line, or JSON Lines ``{"question": ..., "max_papers":
..., "source": ...}`` checked by :class:`~synth.records.incoming.BatchLine`, so a field of the
wrong type or an unknown field refuses the file, naming the line, before any question runs;
blank lines and ``#`` comments are skipped) is registered in the
library under the sha256 of its content, one item per line. Worker processes (default: one
per core, fewer when memory is short) each run ``synth ask`` for one item at a time, and an
item is marked done in the same transaction that stores its report. So a batch killed at any
point, rerun with the same file, skips what finished and runs the rest exactly once; the work
a killed question had stored (extractions, verdicts, LLM answers) is reused.

With ``out``, each report's files and digest cards are written as ``synth ask`` writes them
(:mod:`synth.pipeline.publish`).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from pydantic import ValidationError

from synth.config import Settings
from synth.errors import InvalidInput, SynthError
from synth.records.claims import Extraction
from synth.records.incoming import BatchLine, problem
from synth.records.options import RunOptions
from synth.records.reports import Report
from synth.report.history import load_report
from synth.search.embed import Embedder
from synth.store.db import Store, open_store

MEMORY_PER_WORKER = 1.5e9  # bytes: torch, the embedder and the verifier in one process


@dataclass(frozen=True)
class Item:
    line: int
    question: str
    options: RunOptions


def read_batch(path: Path) -> tuple[str, list[Item]]:
    """(batch id, items) of a batch file."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InvalidInput(f"cannot read batch file {path}: {err.strerror}",
                           "give a file with one question per line") from err
    items = []
    for n, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            line_record = (BatchLine.model_validate_json(text) if text.startswith(("{", "["))
                           else BatchLine(question=text))
        except ValidationError as err:
            raise InvalidInput(f"{path}:{n}: {problem(err)}",
                               'write {"question": "...", "max_papers": 5, "source": "both"}: '
                               "max_papers is 1 to 100; source is library, arxiv or both") from None
        question = line_record.question
        options = RunOptions(max_papers=line_record.max_papers, source=line_record.source)
        items.append(Item(n, question, options))
    return hashlib.sha256(raw).hexdigest()[:12], items


def default_workers() -> int:
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return cores
    return max(1, min(cores, int(memory // MEMORY_PER_WORKER)))


# ---- worker side (one process per worker; the embedding model loads once per process) ----

_EMBEDDER: Embedder | None = None


def _worker_init(threads: int) -> None:
    """Share the cores among the workers (torch, imported later, reads these at import); the
    worker's one embedder is made by :func:`run_item` on its first question."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def _ask(store: Store, settings: Settings, item: Item, batch_item: tuple[str, int] | None,
         store_report: bool) -> Report:
    """``synth ask`` for one item, with this process's one embedder."""
    from synth.pipeline.run import run_ask
    from synth.search.embed import LazyEmbedder

    global _EMBEDDER
    if _EMBEDDER is None or _EMBEDDER.name != settings.embed_model:
        _EMBEDDER = LazyEmbedder(settings.embed_model)
    return run_ask(store, settings, _EMBEDDER, item.question, item.options,
                   batch_item=batch_item, store_report=store_report)


def failure(err: Exception) -> str:
    """One item's error line (a SynthError says what to do; anything else is a bug)."""
    if isinstance(err, SynthError):
        return str(err)
    return f"{type(err).__name__}: {err} (a bug: please report it)"


def run_item(settings: Settings, batch_id: str, item: Item, out: Path | None,
             formats: list[str]) -> tuple[int, str | None]:
    """One question of a batch, in a worker: (its line, its error or None). The report and
    the item's done mark are in the store (:func:`summary` reads them). An item already done
    (a task retried after its first try stored the report) is not run again."""
    from synth.pipeline.publish import publish

    try:
        with open_store(settings.db_path) as store:
            if store.batch_item_done(batch_id, item.line):
                return item.line, None
            report = _ask(store, settings, item, (batch_id, item.line), store_report=True)
            if out is not None:
                publish(store, settings, report, out, formats)
    except Exception as err:  # noqa: BLE001 - one question's failure must not stop the batch
        return item.line, failure(err)
    return item.line, None


@dataclass(frozen=True)
class Draft:
    """A report made where it is not stored (a cluster's worker), with the extractions its
    claims come from, which its provenance needs wherever it is stored."""

    report: Report
    extractions: list[Extraction]


def draft_item(settings: Settings, item: Item) -> tuple[int, Draft | None, str | None]:
    """One question of a batch, run on a library that does not keep its report (a cluster
    worker's): (its line, the draft or None, its error or None). The stages' own work
    (extractions, verdicts) is kept in that library; the driver stores the draft
    (:func:`store_draft`). A node without the library gets no new, empty one: its error says
    so."""
    if not settings.db_path.is_file():
        return item.line, None, (f"the library {settings.db_path} is not on the worker node "
                                 f"{socket.gethostname()}: give every node the library at that "
                                 "path (a shared disk, or a copy), then run the batch again")
    try:
        with open_store(settings.db_path) as store:
            report = _ask(store, settings, item, None, store_report=False)
            rows = (store.claim_row(c.id) for c in report.claims)
            ids = dict.fromkeys(row["extraction_id"] for row in rows if row)
            extractions = [e for e in map(store.get_extraction, ids) if e is not None]
    except Exception as err:  # noqa: BLE001 - one question's failure must not stop the batch
        return item.line, None, failure(err)
    return item.line, Draft(report, extractions), None


def store_draft(store: Store, settings: Settings, batch_id: str, line: int, draft: Draft,
                out: Path | None, formats: list[str]) -> str | None:
    """The driver's side of :func:`draft_item`: store the draft's extractions, then its report
    as the item's, marking the item done in the same transaction, and write its files. An item
    already done is left as it is (a task that ran twice is stored once); a draft whose quotes
    are not this library's text (a worker's copy out of date) is refused whole. Returns the
    item's error, or None."""
    from synth.pipeline.publish import publish
    from synth.pipeline.run import save

    if store.batch_item_done(batch_id, line):
        return None
    try:
        for extraction in draft.extractions:
            store.save_extraction(extraction)
        report = save(store, draft.report, (batch_id, line))
        if out is not None:
            publish(store, settings, report, out, formats)
    except SynthError as err:
        return str(err)
    return None


# How an engine runs a batch's unfinished items: (settings, batch id, items, out, formats,
# progress) -> the error of each item that failed, by line.
ItemRunner = Callable[[Settings, str, list[Item], Path | None, list[str],
                       Callable[[int, int], None] | None], dict[int, str]]


def process_pool(workers: int | None = None) -> ItemRunner:
    """The local engine: a pool of ``workers`` processes on this machine (default: one per
    core, fewer when memory is short)."""
    def run(settings: Settings, batch_id: str, todo: list[Item], out: Path | None,
            formats: list[str], progress: Callable[[int, int], None] | None) -> dict[int, str]:
        errors: dict[int, str] = {}
        count = max(1, min(workers or default_workers(), len(todo) or 1))
        threads = max(1, (os.cpu_count() or 1) // count)
        with ProcessPoolExecutor(count, mp_context=get_context("spawn"),
                                 initializer=_worker_init,
                                 initargs=(threads,)) as pool:
            futures = [pool.submit(run_item, settings, batch_id, i, out, formats) for i in todo]
            for n, future in enumerate(as_completed(futures), start=1):
                line, error = future.result()
                if error:
                    errors[line] = error
                if progress:
                    progress(n, len(todo))
        return errors
    return run


def batch(settings: Settings, path: Path, *, workers: int | None = None,
          out: Path | None = None, formats: tuple[str, ...] | list[str] = ("md", "html", "json"),
          progress: Callable[[int, int], None] | None = None,
          runner: ItemRunner | None = None) -> list[dict]:
    """Run every unfinished question of the batch file; returns one row per question (those
    finished before included, without rerunning them). ``runner`` is the engine (default:
    the local process pool; :func:`synth.engine.ray_engine.ray_runner` for a Ray cluster)."""
    batch_id, items = read_batch(path)
    with open_store(settings.db_path) as store:
        store.add_batch_items(batch_id, [(i.line, i.question, json.dumps(i.options.recorded()))
                                         for i in items])
        done = {r["line"] for r in store.batch_items(batch_id) if r["report_id"]}
    todo = [i for i in items if i.line not in done]
    run = runner or process_pool(workers)
    errors = run(settings, batch_id, todo, out, list(formats), progress) if todo else {}
    return summary(settings, batch_id, errors)


def summary(settings: Settings, batch_id: str, errors: dict[int, str]) -> list[dict]:
    with open_store(settings.db_path) as store:
        rows = []
        for item in store.batch_items(batch_id):
            row = {"line": item["line"], "question": item["question"],
                   "report_id": item["report_id"], "version": item["version"],
                   "error": errors.get(item["line"])}
            if item["report_id"]:
                report = load_report(store, item["report_id"], item["version"])
                row.update(score=report.score, claims=len(report.claims),
                           sourced=sum(c.sourced for c in report.claims),
                           answerable=report.answerable)
            rows.append(row)
    return rows
