"""Import paper metadata from JSON Lines in the format of arXiv's metadata snapshot
(``arxiv-metadata-oai-snapshot.json``), streamed line by line so a multi-GB file (plain or
``.gz``) imports in constant memory.

Accepted fields, per line: ``id`` (also ``arxiv_id``, ``doc_id``, ``cord_id`` or ``bibkey``),
``title``, ``abstract`` (a string, or a list of sentences as in SciFact and Check-COVID),
``authors`` (string or list), ``authors_parsed``, ``categories`` (space-separated string or
list), ``versions`` (``[{"version": "v2", "created": ...}]``: the id gets the last version),
``update_date``, ``license``, ``year``. Only an id and a title or an abstract are required. A
file holding one JSON array of such records is accepted too (read whole, so meant for small
files). An id that is not an arXiv id is taken as given, so other corpora in the same shape
import too.

Every line is checked against :class:`~synth.records.incoming.SnapshotRecord`. A line that is
not JSON, has a field of the wrong type, or lacks an id (or both a title and an abstract) is
reported with its line number and skipped; the rest import. A record without a title is kept,
titled by the first words of its abstract. A file that cannot be read to its end (a truncated
``.gz``) keeps what was read before the damage and is reported as failed.

Records are written in batches, each one transaction. The sha256 of every record imported is
kept, so re-importing an unchanged file only reads and hashes it (no JSON parsing, no
writes), and an interrupted import resumes where it stopped; a record repeated in a file (the
same id twice) is imported in file order, the last one winning, and stays stable on re-import.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from synth.errors import SnapshotError
from synth.library.arxiv_ids import looks_like_arxiv_id, parse_arxiv_id, versioned_id
from synth.parsing.chunk import metadata_text
from synth.records.incoming import SnapshotRecord, problem
from synth.records.papers import IngestReport, Paper, ParseProblem, sha256_text
from synth.store.db import Store

BATCH = 500


def _open(path: Path) -> IO[str]:
    try:
        with path.open("rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        if gz:
            return gzip.open(path, "rt", encoding="utf-8", errors="replace")
        return path.open("r", encoding="utf-8", errors="replace")
    except OSError as err:
        raise SnapshotError(f"cannot read {path}: {err.strerror or err}",
                            "check the path and permissions") from err


def _authors(rec: SnapshotRecord) -> list[str]:
    if rec.authors_parsed:
        return [" ".join(p for p in (a[1:2] + a[0:1] + a[2:3]) if p).strip()
                for a in rec.authors_parsed]
    raw = rec.authors or []
    if isinstance(raw, str):
        raw = raw.replace(" and ", ", ").split(",")
    return [" ".join(a.split()) for a in raw if a.strip()]


def _date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        try:
            return datetime.fromisoformat(text).date().isoformat()
        except ValueError:
            return None


def untitled(text: str, words: int = 12) -> str:
    """Where a record has no title: the first words of its text, marked as cut."""
    head = text.split()
    return " ".join(head[:words]) + (" …" if len(head) > words else "")


def record_to_paper(raw: dict) -> Paper:
    """One snapshot record as a Paper; raises ValueError (a pydantic ValidationError for a
    field of the wrong type) with a reason for an unusable one. A record without a title is
    kept, titled by the first words of its abstract."""
    rec = SnapshotRecord.model_validate(raw)
    raw_id = rec.raw_id()
    abstract = rec.abstract or ""
    if isinstance(abstract, list):
        abstract = " ".join(abstract)
    abstract = " ".join(abstract.split())
    title = " ".join((rec.title or "").split()) or untitled(abstract)
    if not raw_id or not title:
        raise ValueError("record needs an id and a title or an abstract")
    versions = rec.versions or []
    base, version = (parse_arxiv_id(raw_id) if looks_like_arxiv_id(raw_id) else (raw_id, None))
    if version is None and versions and looks_like_arxiv_id(raw_id):
        version = len(versions)
    categories = rec.categories or []
    if isinstance(categories, str):
        categories = categories.split()
    first = _date(versions[0].created) if versions else None
    year = str(rec.year or "")
    return Paper(
        id=versioned_id(base, version), base_id=base, version=version, title=title,
        authors=_authors(rec), abstract=abstract,
        published=first or (f"{int(year):04d}" if year.isdigit() and len(year) <= 4 else None),
        updated=_date(rec.update_date) or (_date(versions[-1].created) if versions else None),
        categories=list(dict.fromkeys(categories)), licence=rec.license, source="snapshot")


def _records(lines: IO[str]) -> Iterator[tuple[int, str | dict]]:
    """(line or item number, raw line or parsed object). A file that starts with ``[`` is a
    JSON array of records (read whole: such files are small); anything else is JSON Lines."""
    head = lines.read(1)
    while head and head.isspace():
        head = lines.read(1)
    if head == "[":
        try:
            items = json.loads(head + lines.read())
        except ValueError as err:
            raise SnapshotError(f"{lines.name}: not a valid JSON array ({err})",
                                "give JSON Lines, one record per line") from err
        yield from enumerate(items, start=1)
        return
    first = head + lines.readline()
    yield 1, first
    yield from enumerate(lines, start=2)


def _parse(number: int, raw: str | dict, path: Path) -> Paper | ParseProblem:
    try:
        rec = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(rec, dict):
            raise ValueError("not a JSON object")
        return record_to_paper(rec)
    except ValidationError as err:
        reason = problem(err)
    except (ValueError, RecursionError) as err:  # json.JSONDecodeError is a ValueError
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
    return ParseProblem(path=str(path), kind="bad_record",
                        detail=f"line {number}: {reason}; fix or remove the line and re-import")


def _raw_records(path: Path) -> Iterator[tuple[int, str | dict]]:
    with _open(path) as lines:
        for number, raw in _records(lines):
            if not isinstance(raw, str) or raw.strip():
                yield number, raw


def read_snapshot(path: Path) -> Iterator[Paper | ParseProblem]:
    """Papers from a snapshot file, with a ParseProblem for each unusable line."""
    for number, raw in _raw_records(path):
        yield _parse(number, raw, path)


def _raw_sha(raw: str | dict) -> str:
    text = raw.strip() if isinstance(raw, str) else json.dumps(raw, sort_keys=True)
    return sha256_text(text)


def import_snapshot(store: Store, path: Path,
                    progress: Callable[[int], None] | None = None) -> IngestReport:
    """Stream ``path`` into the store; returns what was added, unchanged and reported.

    A record whose exact text was imported before is skipped without parsing it (the fast
    path of a re-import); a new text whose paper is stored with the same content is unchanged
    too. Records are written :data:`BATCH` at a time, each batch one transaction. A file that
    cannot be read to its end (a truncated or corrupt ``.gz``) keeps the records read before
    the damage and is reported as failed, with a stored problem."""
    if not path.is_file():
        raise SnapshotError(f"{path} is not a file", "give a JSON Lines snapshot file")
    report = IngestReport()
    store.clear_path_problems(str(path))
    batch: list[tuple[int, str | dict]] = []
    read = 0
    try:
        for record in _raw_records(path):
            batch.append(record)
            read += 1
            if len(batch) >= BATCH:
                _import_batch(store, path, batch, report, progress)
    except SnapshotError as err:
        _stopped(store, report, path, err.message, err.hint or "")
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        _stopped(store, report, path, f"cannot be read past record {read} ({_reason(err)})",
                 "the records before it were imported; get a complete copy of the file and "
                 "ingest it again (records already imported are skipped)")
    _import_batch(store, path, batch, report, progress)
    return report


def _reason(err: BaseException) -> str:
    if isinstance(err, EOFError):
        return "the compressed file ends early: it is truncated"
    return f"not a valid gzip file: {err}" if isinstance(err, (gzip.BadGzipFile, zlib.error)) \
        else (getattr(err, "strerror", None) or str(err) or type(err).__name__)


def _stopped(store: Store, report: IngestReport, path: Path, what: str, hint: str) -> None:
    detail = f"{what}; {hint}" if hint else what
    _problems(store, report, [ParseProblem(path=str(path), kind="unopenable", detail=detail)])
    report.note_failed(f"{path}: {detail}")


def _problems(store: Store, report: IngestReport, problems: list[ParseProblem]) -> None:
    """Stored as they are found (a report lists only the first few of a large file's)."""
    store.add_problems(problems, replace=False)
    report.note_problems(problems)


def _import_batch(store: Store, path: Path, batch: list[tuple[int, str | dict]],
                  report: IngestReport, progress: Callable[[int], None] | None) -> None:
    shas = [_raw_sha(raw) for _, raw in batch]
    known = store.imported_records(shas)
    papers: dict[str, Paper] = {}
    seen: list[tuple[str, str]] = []
    problems: list[ParseProblem] = []
    for (number, raw), sha in zip(batch, shas):
        if sha in known:
            report.note_unchanged(known[sha])
            continue
        item = _parse(number, raw, path)
        if isinstance(item, ParseProblem):
            problems.append(item)
            report.note_failed(f"{path}: {item.detail}")
            continue
        papers[item.id] = item
        seen.append((sha, item.id))
    _write_papers(store, papers, seen, report)
    _problems(store, report, problems)
    if progress:
        progress(len(batch))
    batch.clear()


def _write_papers(store: Store, papers: dict[str, Paper], seen: list[tuple[str, str]],
                  report: IngestReport) -> None:
    stored = store.paper_states(papers)
    new = []
    for pid, paper in papers.items():
        state = stored.get(pid)
        if state and (state[0] == paper.record_sha() or state[1] == "pdf"):
            report.note_unchanged(pid)  # same record, or the full text was read from a PDF
        else:
            new.append((paper, metadata_text(paper)))
            report.note_added(pid)
    if seen:
        store.save_papers(new, imported=seen)
