"""Many reports at once: ``synth batch`` and ``synth regenerate``.

**Batch.** A file of questions (one per line, or JSON Lines ``{"question": ..., "max_papers":
..., "source": ...}``; blank lines and ``#`` comments are skipped) is registered in the
library under the sha256 of its content, one item per line. Worker processes (default: one
per core, fewer when memory is short) each run ``synth ask`` for one item at a time, and an
item is marked done in the same transaction that stores its report. So a batch killed at any
point, rerun with the same file, skips what finished and runs the rest exactly once; the work
a killed question had stored (extractions, verdicts, LLM answers) is reused.

**Regenerate.** ``regenerate(store, ..., report_id, from_stage)`` reruns a stored report from
one stage on, reusing what it stored before that stage, and writes a new version:

- ``retrieve``: the whole run again (search, screen, extract, verify, review);
- ``extract``: the same screened papers, extracted again (LLM answers come from the cache);
- ``verify``: the same claims, verified again (stored verdicts are not reused);
- ``review``: the same verdicts, reviewed and summarised again;
- ``render``: the same content, stored again with today's templates in its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from synth.config import Settings
from synth.errors import StoreError, SynthError
from synth.records.reports import Report
from synth.store.db import Store, open_store

STAGES = ("retrieve", "extract", "verify", "review", "render")
MEMORY_PER_WORKER = 1.5e9  # bytes: torch, the embedder and the verifier in one process


@dataclass(frozen=True)
class Item:
    line: int
    question: str
    options: dict


def read_batch(path: Path) -> tuple[str, list[Item]]:
    """(batch id, items) of a batch file."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise StoreError(f"cannot read batch file {path}: {err.strerror}",
                         "give a file with one question per line") from err
    items = []
    for n, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("{"):
            try:
                record = json.loads(text)
                question = str(record.pop("question"))
            except (ValueError, KeyError, AttributeError) as err:
                raise StoreError(f"{path}:{n}: not a JSON object with a question ({err})",
                                 'write {"question": "...", "max_papers": 5}') from err
            options = {k: record[k] for k in ("max_papers", "source") if k in record}
        else:
            question, options = text, {}
        items.append(Item(n, question, {"max_papers": 5, "source": "both", **options}))
    return hashlib.sha256(raw).hexdigest()[:12], items


def default_workers() -> int:
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return cores
    return max(1, min(cores, int(memory // MEMORY_PER_WORKER)))


# ---- worker side (one process per worker; the embedding model loads once per process) ----

_EMBEDDER = None


def _worker_init(threads: int, embed_model: str) -> None:
    """Share the cores among the workers (torch, imported later, reads these at import) and
    make the worker's one embedder, loaded on its first use."""
    global _EMBEDDER
    from synth.search.embed import LazyEmbedder

    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    _EMBEDDER = LazyEmbedder(embed_model)


def run_item(settings: Settings, batch_id: str, item: Item, out: Path | None,
             formats: list[str]) -> tuple[int, str | None]:
    """One question of a batch, in a worker: (its line, its error or None). The report and
    the item's done mark are in the store (:func:`summary` reads them)."""
    from synth.pipeline.run import run_ask
    from synth.report.render import write

    try:
        with open_store(settings.db_path) as store:
            report = run_ask(store, settings, _EMBEDDER, item.question,
                             max_papers=item.options["max_papers"],
                             source=item.options["source"], batch_item=(batch_id, item.line))
        if out is not None:
            write(report, out, formats)
    except SynthError as err:
        return item.line, str(err)
    except Exception as err:  # noqa: BLE001 - one question's bug must not stop the batch
        return item.line, f"{type(err).__name__}: {err} (a bug: please report it)"
    return item.line, None


def batch(settings: Settings, path: Path, *, workers: int | None = None,
          out: Path | None = None, formats: list[str] = ("md", "html", "json"),
          progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Run every unfinished question of the batch file; returns one row per question (those
    finished before included, without rerunning them)."""
    batch_id, items = read_batch(path)
    with open_store(settings.db_path) as store:
        store.add_batch_items(batch_id, [(i.line, i.question, json.dumps(i.options))
                                         for i in items])
        done = {r["line"] for r in store.batch_items(batch_id) if r["report_id"]}
    todo = [i for i in items if i.line not in done]
    errors: dict[int, str] = {}
    workers = max(1, min(workers or default_workers(), len(todo) or 1))
    threads = max(1, (os.cpu_count() or 1) // workers)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=_worker_init,
                             initargs=(threads, settings.embed_model)) as pool:
        futures = [pool.submit(run_item, settings, batch_id, i, out, list(formats))
                   for i in todo]
        for n, future in enumerate(as_completed(futures), start=1):
            line, error = future.result()
            if error:
                errors[line] = error
            if progress:
                progress(n, len(todo))
    return summary(settings, batch_id, errors)


def summary(settings: Settings, batch_id: str, errors: dict[int, str]) -> list[dict]:
    with open_store(settings.db_path) as store:
        rows = []
        for item in store.batch_items(batch_id):
            row = {"line": item["line"], "question": item["question"],
                   "report_id": item["report_id"], "version": item["version"],
                   "error": errors.get(item["line"])}
            if item["report_id"]:
                report = Report.model_validate_json(
                    store.report_json(item["report_id"], item["version"]))
                row.update(score=report.score, claims=len(report.claims),
                           verified=report.results["claims_verified"],
                           answerable=report.answerable)
            rows.append(row)
    return rows


# ---- regenerate ---------------------------------------------------------------------------

def regenerate(store: Store, settings: Settings, embedder: object, report_id: str,
               from_stage: str = "render") -> Report:
    """Rerun a stored report from ``from_stage`` (see the module docstring); a new version."""
    from synth.library.ingest import no_progress
    from synth.llm.prompts import template_hash
    from synth.pipeline.run import (
        REPORT_TEMPLATES,
        Run,
        from_extract,
        from_review,
        from_verify,
        run_ask,
        save,
    )
    from synth.report.history import load_report

    if from_stage not in STAGES:
        raise StoreError(f"unknown stage {from_stage!r}", f"use one of {', '.join(STAGES)}")
    old = load_report(store, report_id)
    options = {"max_papers": 5, "source": "both", **old.options}
    if from_stage == "retrieve":
        return run_ask(store, settings, embedder, old.question, **options)  # type: ignore[arg-type]
    run = Run(store, settings, embedder, old.question, None, no_progress)
    if from_stage == "extract":
        return from_extract(run, options, old.papers)
    if from_stage == "verify":
        claims = store.get_claims([c.id for c in old.claims])
        if any(c is None for c in claims):
            raise StoreError(f"report {old.id}: some of its claims are no longer stored",
                             "regenerate it from the extract stage")
        return from_verify(run, options, old.papers, claims, force=True)  # type: ignore[arg-type]
    if from_stage == "review":
        return from_review(run, options, old.papers, old.claims, old.manifest.verifier)
    templates = {**old.manifest.templates, **{t: template_hash(t) for t in REPORT_TEMPLATES}}
    return save(store, old.model_copy(update={
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "manifest": old.manifest.model_copy(update={"templates": templates})}))
