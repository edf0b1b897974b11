"""Ingest: put papers into the library from any source, then embed what is new.

``ingest`` takes what a user types (arXiv ids, snapshot files, PDF files or folders, or an
arXiv search) and dispatches each item to its source. Items fail one at a time: a bad PDF
or an unknown id is reported in the returned :class:`IngestReport` and the others carry on.
Work is skipped when it is already stored: a paper version read from its PDF, a local PDF
with the same sha256, a snapshot record with the same content hash. So a rerun of an
interrupted ingest resumes where it stopped, and nothing is half-written (each paper is one
transaction in the store).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from synth.config import Settings
from synth.errors import ArxivUnavailable, SnapshotError, SourceError, shown
from synth.library.arxiv import ArxivSource
from synth.library.arxiv_ids import (
    ID_PATTERN,
    NEW_ID_PATTERN,
    canonical_id,
    looks_like_arxiv_id,
    parse_arxiv_id,
    versioned_id,
)
from synth.library.snapshot import import_snapshot
from synth.parsing.chunk import metadata_text
from synth.parsing.pdf import first_page, parse_pdf
from synth.records.papers import IngestReport, Paper, ParsedText, ParseProblem
from synth.store.db import Store

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int | None], None]
_ID_IN_TEXT = re.compile(rf"arXiv[:\-_ ]?\s*({ID_PATTERN})", re.IGNORECASE)
_NEW_ID = re.compile(rf"(?<![\d.])({NEW_ID_PATTERN})(?!\d)")


def no_progress(label: str, done: int, total: int | None) -> None:
    pass


def arxiv_id_for_pdf(path: Path, page_text: str) -> str | None:
    """The arXiv id of a local PDF from its file name, else its first page's arXiv stamp."""
    candidates = (_ID_IN_TEXT.search(path.stem), _NEW_ID.search(path.stem),
                  _ID_IN_TEXT.search(page_text))  # on the page only a stamp counts
    for m in candidates:
        if m and looks_like_arxiv_id(m.group(1)):
            return canonical_id(m.group(1))
    return None


@dataclass(frozen=True)
class LocalPdf:
    """A local PDF read and identified, not yet parsed."""
    path: Path
    data: bytes
    sha: str
    paper_id: str
    arxiv_id: str | None
    title: str


def read_pdf(store: Store, path: Path, report: IngestReport) -> LocalPdf | None:
    """A local PDF to parse, identified by arXiv id when it has one, else by its sha256; None
    when it cannot be read (``report`` says why) or is stored unchanged."""
    try:
        data = path.read_bytes()
    except OSError as err:
        report.note_failed(f"{path}: cannot read ({err.strerror}); check permissions")
        return None
    sha = hashlib.sha256(data).hexdigest()
    page = first_page(data)
    arxiv_id = arxiv_id_for_pdf(path, page.text)
    paper_id = arxiv_id or f"pdf:{sha[:16]}"
    stored = store.get_paper(paper_id)
    if stored and stored.pdf_sha256 == sha:
        report.note_unchanged(paper_id)
        return None
    return LocalPdf(path, data, sha, paper_id, arxiv_id, page.title or path.stem)


def parse_local_pdf(pdf: LocalPdf) -> ParsedText:
    """The costly part of a PDF's ingest, and the only one that needs no library (an
    engine may run it elsewhere)."""
    return parse_pdf(pdf.data, pdf.paper_id, str(pdf.path))


def store_pdf(store: Store, pdf: LocalPdf, parsed: ParsedText, report: IngestReport) -> None:
    """Store a parsed local PDF (or record why it gave no text)."""
    if not parsed.passages:
        _report_unreadable(store, pdf.path, parsed, report)
        return
    stored = store.get_paper(pdf.paper_id)
    if stored:  # e.g. metadata from arXiv: keep it, and take the text from this PDF
        paper = stored.model_copy(update={"pdf_sha256": pdf.sha})
    else:
        base, version = (parse_arxiv_id(pdf.arxiv_id) if pdf.arxiv_id
                         else (pdf.paper_id, None))
        paper = Paper(id=pdf.paper_id, base_id=base, version=version, source="pdf",
                      pdf_sha256=pdf.sha, title=pdf.title, url=pdf.path.resolve().as_uri())
    store.save_paper(paper, parsed)
    store.clear_path_problems(str(pdf.path))
    report.note_added(pdf.paper_id)
    report.note_problems(parsed.problems)


def ingest_pdf_file(store: Store, path: Path, report: IngestReport) -> None:
    """One local PDF: read, parsed and stored in this process."""
    pdf = read_pdf(store, path, report)
    if pdf is not None:
        store_pdf(store, pdf, parse_local_pdf(pdf), report)


# How an engine ingests local PDFs: (store, paths, report, a callback per PDF done).
PdfIngester = Callable[[Store, list[Path], IngestReport, Callable[[int], None]], None]


def ingest_pdf_files(store: Store, paths: list[Path], report: IngestReport,
                     done: Callable[[int], None]) -> None:
    """The local engine: one PDF after the other, in this process."""
    for n, path in enumerate(paths, start=1):
        ingest_pdf_file(store, path, report)
        done(n)


def _report_unreadable(store: Store, path: Path, parsed: ParsedText,
                       report: IngestReport) -> None:
    problems = parsed.problems or [ParseProblem(path=str(path), kind="empty",
                                                detail="no text could be read")]
    problems = [p.model_copy(update={"paper_id": None, "path": str(path)}) for p in problems]
    store.add_problems(problems)
    report.note_problems(problems)
    report.note_failed(f"{path}: {problems[0].kind}: {problems[0].detail}")


def _local_path(item: str) -> Path | None:
    """The file or folder ``item`` names, made absolute (so parse problems are stored under
    one path whatever folder synth was run from), or None when it names none (an arXiv id,
    or text no file system would take as a path)."""
    try:
        path = Path(item).expanduser()
        return path.resolve() if path.is_dir() or path.is_file() else None
    except (OSError, ValueError):  # a name too long, a NUL byte
        return None


def pdf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())


def _has_what_is_asked(state: tuple[str, str] | None, with_pdf: bool) -> bool:
    """A stored paper's (record sha, text kind) holds what this ingest asks for."""
    return state is not None and (state[1] == "pdf" or not with_pdf)


def ingest_arxiv(store: Store, source: ArxivSource, papers: list[Paper], report: IngestReport,
                 with_pdf: bool, progress: Progress) -> None:
    """Store arXiv papers, reading each one's PDF (downloaded once, cached) when asked."""
    for done, paper in enumerate(papers, start=1):
        state = store.paper_state(paper.id)
        if _has_what_is_asked(state, with_pdf) and state[0] == paper.record_sha():
            report.note_unchanged(paper.id)
        else:
            _ingest_one_arxiv(store, source, paper, report, with_pdf)
        progress("papers", done, len(papers))


def _ingest_one_arxiv(store: Store, source: ArxivSource, paper: Paper, report: IngestReport,
                      with_pdf: bool) -> None:
    parsed = metadata_text(paper)
    if with_pdf:
        try:
            pdf = source.download_pdf(paper)
        except ArxivUnavailable:
            raise  # the rest would fail too; what is stored stays, a rerun resumes
        except SourceError as err:
            store.save_paper(paper, parsed)
            report.note_added(paper.id)
            report.note_failed(f"{paper.id}: PDF not read ({err}); stored its abstract only")
            return
        data = pdf.read_bytes()
        from_pdf = parse_pdf(data, paper.id, str(pdf))
        if from_pdf.passages:
            parsed = from_pdf
            paper = paper.model_copy(update={"pdf_sha256": hashlib.sha256(data).hexdigest()})
        else:  # keep the abstract so the paper is still searchable, and say why
            parsed = parsed.model_copy(update={"problems": from_pdf.problems})
            kind = from_pdf.problems[0].kind if from_pdf.problems else "empty"
            report.note_failed(f"{paper.id}: PDF unreadable ({kind}); stored its abstract only")
        report.note_problems(from_pdf.problems)
    store.save_paper(paper, parsed)
    report.note_added(paper.id)


def resolve_arxiv_ids(store: Store, source: ArxivSource, ids: list[str], report: IngestReport,
                      with_pdf: bool) -> list[Paper]:
    """Metadata for the ids to ingest. A version already stored from arXiv (with its PDF text
    when that is asked for) is counted unchanged with no request; an id without a version
    means the newest stored version, if any."""
    to_fetch = []
    for raw in ids:
        base, version = parse_arxiv_id(raw)
        stored = store.get_paper(versioned_id(base, version)) if version else store.latest_version(base)
        if (stored and stored.source == "arxiv"
                and _has_what_is_asked(store.paper_state(stored.id), with_pdf)):
            report.note_unchanged(stored.id)
        else:
            to_fetch.append(versioned_id(base, version))
    if not to_fetch:
        return []
    found, missing = source.fetch(to_fetch)
    report.note_failed(*(f"{m}: arXiv has no such paper; check the id" for m in missing))
    return found


def ingest(store: Store, settings: Settings, items: list[str], *, query: str | None = None,
           max_results: int = 10, with_pdf: bool = True, progress: Progress = no_progress,
           pdfs: PdfIngester = ingest_pdf_files) -> IngestReport:
    """Ingest every item; returns the combined report. Embedding is a separate step
    (:func:`synth.search.embed.embed_missing`) so callers choose when to load the model.
    ``pdfs`` parses local PDFs (the Ray engine passes its own: :mod:`synth.engine.ray_engine`)."""
    report = IngestReport()
    ids: list[str] = []
    for item in items:
        path = _local_path(item)
        if path is not None and path.is_dir():
            files = pdf_files(path)
            pdfs(store, files, report,
                 lambda n, name=path.name, total=len(files): progress(f"PDFs in {name}", n, total))
        elif path is not None and path.suffix.lower() == ".pdf":
            pdfs(store, [path], report, lambda n: None)
        elif path is not None:
            name = path.name
            try:
                report.merge(import_snapshot(store, path,
                                             lambda n, name=name: progress(name, n, None)))
            except SnapshotError as err:
                report.note_failed(str(err))
        elif looks_like_arxiv_id(item):
            ids.append(item)
        else:
            report.note_failed(f"{shown(item)}: not a file, folder or arXiv id; "
                                 "give e.g. 2106.09685v2, papers.jsonl or a folder of PDFs")
    if ids or query:
        with ArxivSource(settings) as source:
            papers = resolve_arxiv_ids(store, source, ids, report, with_pdf)
            if query:
                papers += source.search(query, max_results)
            ingest_arxiv(store, source, papers, report, with_pdf, progress)
    return report
