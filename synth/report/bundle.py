"""One portable file per report: ``synth export`` and ``synth import``.

The bundle is JSON (``"format": "synth-bundle/1"``): every version of the report and its
corrections, and every stored row it rests on (the cited papers with their full texts and
passages, the claims and their extractions, the logged LLM calls and cached answers), plus
the PDFs those papers were read from, base64-encoded with their sha256. Importing it into
another library checks the whole bundle first (its shape, then its own integrity, then that it
agrees with the library: a paper stored there with another text is refused, never replaced),
then writes the PDFs into that library's PDF folder and every row in one transaction, so
``synth audit`` passes there as it did here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from synth.errors import InvalidInput, OutputError, StoreError, shown
from synth.library.arxiv_ids import looks_like_arxiv_id, pdf_cache_path
from synth.records.incoming import Bundle, BundleRows, problem
from synth.records.papers import sha256_text
from synth.records.reports import Report
from synth.report.audit import file_sha256, pdf_location
from synth.report.history import load_report
from synth.store.db import Store

FORMAT = "synth-bundle/1"


def export_bundle(store: Store, pdf_dir: Path, report_id: str, path: Path) -> dict[str, int]:
    """Write the bundle of ``report_id`` to ``path``; returns how many rows of each kind."""
    latest = load_report(store, report_id)
    versions = [load_report(store, latest.id, v) for v in store.report_versions(latest.id)]
    paper_ids = {p.paper_id for r in versions for p in r.papers if p.kept}
    paper_ids |= {x for r in versions for c in r.claims
                  for x in [c.paper_id, *(e.paper_id for e in c.evidence)]}
    claim_ids = {c.id for r in versions for c in r.claims}
    rows = store.bundle_rows(latest.id, paper_ids, claim_ids)
    pdfs = {}
    for paper in rows["papers"]:
        location = pdf_location(store.get_paper(paper["id"]), pdf_dir)
        if location is not None and location.is_file() and \
                file_sha256(location) == paper["pdf_sha256"]:
            pdfs[paper["id"]] = base64.b64encode(location.read_bytes()).decode("ascii")
    bundle = {"format": FORMAT, "report_id": latest.id, "rows": rows, "pdfs": pdfs}
    tmp = path.with_name(path.name + ".partial")
    try:
        try:
            tmp.write_text(json.dumps(bundle), encoding="utf-8")
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}", "check the folder and "
                          "free space; the library was not changed") from err
    return {**{table: len(r) for table, r in rows.items()}, "pdfs": len(pdfs)}


def import_bundle(store: Store, pdf_dir: Path, path: Path) -> tuple[str, dict[str, int]]:
    """Read a bundle into the library; returns (report id, rows of each kind).

    Nothing is written unless the whole bundle checks out (:func:`read_bundle`) and agrees
    with what the library holds: a paper stored here with a different text, or a report
    version stored here with a different content, refuses the import, since reports made
    here cite the stored text. Rows the library already has are kept as they are, so
    importing the same bundle twice changes nothing. PDFs are written first (each one
    atomically), then every row in one transaction."""
    bundle, files = read_bundle(path)
    rows = bundle.rows
    _refuse_conflicts(store, path, rows)
    known = {p.id for p in rows.papers if store.get_paper(p.id) is not None}
    papers = [p.model_dump() for p in rows.papers if p.id not in known]
    writes = []
    for paper in papers:  # where this library keeps each new paper's PDF
        if paper["id"] in files:
            target = (pdf_cache_path(pdf_dir, paper["id"]) if looks_like_arxiv_id(paper["id"])
                      else pdf_dir / f"{paper['pdf_sha256']}.pdf")
            if not looks_like_arxiv_id(paper["id"]) or (paper["url"] or "").startswith("file:"):
                paper["url"] = target.resolve().as_uri()  # a local file: it now lives here
            writes.append((target, files[paper["id"]]))
    _write_pdfs(path, pdf_dir, writes)
    table = {name: [r.model_dump() for r in getattr(rows, name)]
             for name in type(rows).model_fields}
    store.import_bundle_rows({**table, "papers": papers,
                              "texts": [t for t in table["texts"] if t["paper_id"] not in known],
                              "passages": [p for p in table["passages"]
                                           if p["paper_id"] not in known]})
    counts = {name: len(getattr(rows, name)) for name in type(rows).model_fields}
    return bundle.report_id, {**counts, "pdfs": len(writes)}


def _damaged(path: Path, what: str) -> InvalidInput:
    return InvalidInput(f"{path}: {what}; nothing was imported",
                        "the bundle is damaged or was edited: export it again")


def read_bundle(path: Path) -> tuple[Bundle, dict[str, bytes]]:
    """A bundle file parsed and checked whole: its shape (:class:`~synth.records.incoming.
    Bundle`: every row of the right fields and types), then its own integrity (no row twice,
    every text at its sha256, every passage and claim quote at its span of its paper's text,
    every report a valid report of this bundle, every PDF at its sha256). Returns the bundle
    and the decoded PDFs by paper id; raises :class:`InvalidInput` naming the first fault."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as err:
        raise InvalidInput(f"{path} is not a synth bundle ({str(err)[:120]})",
                           "give a file written by `synth export`") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not a synth bundle (no \"format\": \"{FORMAT}\")",
                           "give a file written by `synth export`")
    try:
        bundle = Bundle.model_validate(raw)
    except ValidationError as err:
        raise _damaged(path, problem(err)) from None
    _check_rows(path, bundle)
    return bundle, _decode_pdfs(path, bundle)


def _unique(path: Path, table: str, keys: list) -> None:
    seen: set = set()
    for key in keys:
        if key in seen:
            raise _damaged(path, f"{table} holds {key} twice")
        seen.add(key)


def _check_rows(path: Path, bundle: Bundle) -> None:
    rows = bundle.rows
    for table, keys in (("papers", [p.id for p in rows.papers]),
                        ("texts", [t.paper_id for t in rows.texts]),
                        ("passages", [p.id for p in rows.passages]),
                        ("extractions", [e.id for e in rows.extractions]),
                        ("claims", [c.id for c in rows.claims]),
                        ("llm_calls", [(c.key, c.attempt) for c in rows.llm_calls]),
                        ("llm_cache", [c.key for c in rows.llm_cache]),
                        ("reports", [(r.id, r.version) for r in rows.reports])):
        _unique(path, table, keys)
    texts = {t.paper_id: t.text for t in rows.texts}
    for t in rows.texts:
        if sha256_text(t.text) != t.sha:
            raise _damaged(path, f"the text of {t.paper_id} does not match its sha256")
    for p in rows.papers:
        if p.id not in texts:
            raise _damaged(path, f"paper {p.id} has no text")
    for kind, items in (("passage", rows.passages), ("claim", rows.claims)):
        for item in items:
            text = texts.get(item.paper_id)
            quoted = item.text if kind == "passage" else item.quote  # type: ignore[union-attr]
            if text is None or not quoted or text[item.char_start:item.char_end] != quoted \
                    or item.char_start < 0:
                raise _damaged(path, f"{kind} {item.id} is not its paper's text at "
                                     f"{item.char_start}-{item.char_end}")
    extractions = {e.id for e in rows.extractions}
    for c in rows.claims:
        if c.extraction_id not in extractions:
            raise _damaged(path, f"claim {c.id} names an extraction the bundle lacks")
    for e in rows.extractions:
        if e.paper_id not in texts:
            raise _damaged(path, f"extraction {e.id} names a paper the bundle lacks")
    for r in rows.reports:
        try:
            report = Report.model_validate_json(r.report)
        except ValidationError as err:
            raise _damaged(path, f"report {r.id} v{r.version}: {problem(err)}") from None
        if (report.id, report.version) != (r.id, r.version) or r.id != bundle.report_id:
            raise _damaged(path, f"report row {r.id} v{r.version} holds another report")
    if any(c.report_id != bundle.report_id for c in rows.corrections):
        raise _damaged(path, "a correction is for another report")


def _decode_pdfs(path: Path, bundle: Bundle) -> dict[str, bytes]:
    shas = {p.id: p.pdf_sha256 for p in bundle.rows.papers}
    files = {}
    for paper_id, encoded in bundle.pdfs.items():
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise _damaged(path, f"the PDF of {shown(paper_id)} is not valid base64") from None
        if paper_id not in shas or hashlib.sha256(data).hexdigest() != shas[paper_id]:
            raise _damaged(path, f"the PDF of {shown(paper_id)} does not match its sha256")
        files[paper_id] = data
    return files


def _refuse_conflicts(store: Store, path: Path, rows: BundleRows) -> None:
    """Refuse a bundle that would change what this library's reports cite."""
    for t in rows.texts:
        _, stored = store.text_info(t.paper_id)
        if stored is not None and stored != t.sha:
            raise StoreError(f"{path}: paper {t.paper_id} is stored here with another text "
                             f"(sha256 {stored[:12]} here, {t.sha[:12]} in the bundle); "
                             "nothing was imported", "reports in this library cite its text: "
                             "import the bundle into another library (--home DIR)")
    for r in rows.reports:
        stored_json = store.report_json(r.id, r.version)
        if stored_json is not None and stored_json != r.report:
            raise StoreError(f"{path}: report {r.id} v{r.version} is stored here with another "
                             "content; nothing was imported", "import the bundle into another "
                             "library (--home DIR)")


def _write_pdfs(path: Path, pdf_dir: Path, writes: list[tuple[Path, bytes]]) -> None:
    try:
        pdf_dir.mkdir(parents=True, exist_ok=True)
        for target, data in writes:
            if not target.is_file() or file_sha256(target) != hashlib.sha256(data).hexdigest():
                tmp = target.with_name(target.name + ".partial")
                try:
                    tmp.write_bytes(data)
                    tmp.replace(target)
                finally:
                    tmp.unlink(missing_ok=True)
    except OSError as err:
        raise StoreError(f"cannot write the PDFs of {path} into {pdf_dir}: "
                         f"{err.strerror or err}; no rows were imported",
                         "free disk space or check the folder, then import again") from err
