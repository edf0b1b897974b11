"""One portable file per report: ``synth export`` and ``synth import``.

The bundle is JSON (``"format": "synth-bundle/1"``): every version of the report and its
corrections, and every stored row it rests on (the cited papers with their full texts and
passages, the claims and their extractions, the logged LLM calls and cached answers), plus
the PDFs those papers were read from, base64-encoded with their sha256. Importing it into
another library writes all of that in one transaction (PDFs into that library's PDF folder,
after checking their sha256), so ``synth audit`` passes there as it did here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from synth.errors import InvalidInput, StoreError
from synth.library.arxiv_ids import looks_like_arxiv_id, pdf_cache_path
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
        tmp.write_text(json.dumps(bundle), encoding="utf-8")
        tmp.replace(path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {err.strerror}", "check the folder and free "
                         "space; the library was not changed") from err
    return {**{table: len(r) for table, r in rows.items()}, "pdfs": len(pdfs)}


def import_bundle(store: Store, pdf_dir: Path, path: Path) -> tuple[str, dict[str, int]]:
    """Read a bundle into the library; returns (report id, rows of each kind)."""
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        rows, pdfs = bundle["rows"], bundle["pdfs"]
        if bundle.get("format") != FORMAT:
            raise ValueError(f"format {bundle.get('format')!r}")
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InvalidInput(f"{path} is not a synth bundle ({err})",
                           "give a file written by `synth export`") from err
    shas = {p["id"]: p["pdf_sha256"] for p in rows["papers"]}
    files = {}
    for paper_id, encoded in pdfs.items():
        data = base64.b64decode(encoded)
        if hashlib.sha256(data).hexdigest() != shas.get(paper_id):
            raise StoreError(f"{path}: the PDF of {paper_id} does not match its sha256",
                             "the bundle is damaged; export it again")
        files[paper_id] = data
    for paper in rows["papers"]:  # where this library keeps each PDF
        if paper["id"] in files:
            target = (pdf_cache_path(pdf_dir, paper["id"]) if looks_like_arxiv_id(paper["id"])
                      else pdf_dir / f"{paper['pdf_sha256']}.pdf")
            if not looks_like_arxiv_id(paper["id"]) or (paper["url"] or "").startswith("file:"):
                paper["url"] = target.resolve().as_uri()  # a local file: it now lives here
            files[paper["id"]] = (target, files[paper["id"]])
    store.import_bundle_rows(rows)
    pdf_dir.mkdir(parents=True, exist_ok=True)
    for target, data in files.values():
        if not target.is_file() or file_sha256(target) != hashlib.sha256(data).hexdigest():
            tmp = target.with_name(target.name + ".partial")
            tmp.write_bytes(data)
            tmp.replace(target)
    return bundle["report_id"], {**{t: len(r) for t, r in rows.items()}, "pdfs": len(files)}
