"""Ingesting local PDFs: real files (linked in place, not copied), bad ones reported alone."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from synth.config import load_settings
from synth.library.ingest import arxiv_id_for_pdf, ingest
from synth.store.db import Store, open_store

from .conftest import PDFS

GOOD = ["0908.0054v1.pdf", "1111.2011v2.pdf", "1708.05894v1.pdf", "1903.10676-table-page.pdf",
        "2107.07170-table-page.pdf", "2304.02623v1.pdf", "2305.03393v1-pg9.pdf",
        "acl-2020.acl-main.207_arXiv-2004.07180.pdf", "acl-N18-3011_arXiv-1805.02262.pdf"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "lib.db") as s:
        yield s


def folder_of_ten(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "papers"
    folder.mkdir()
    for name in GOOD:
        (folder / name).symlink_to(PDFS / name)
    bad = folder / "zz-corrupt.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    return folder, bad


def test_folder_of_ten_with_one_corrupt_ingests_nine_and_reports_one(tmp_path: Path, store: Store) -> None:
    folder, bad = folder_of_ten(tmp_path)
    report = ingest(store, load_settings(env={}, home=tmp_path), [str(folder)])
    assert len(report.added) == 9
    assert len(report.failed) == 1 and report.failed[0].startswith(f"{bad}: unopenable")
    assert store.counts()["papers"] == 9
    assert [(p.path, p.kind) for p in store.problems()] == [(str(bad), "unopenable")]
    again = ingest(store, load_settings(env={}, home=tmp_path), [str(folder)])
    assert len(again.unchanged) == 9 and not again.added and len(again.failed) == 1
    assert len(store.problems()) == 1  # reported again, not duplicated


def test_scanned_pdf_is_reported_not_stored_empty(tmp_path: Path, store: Store) -> None:
    src = pymupdf.open(PDFS / "0908.0054v1.pdf")
    scan = pymupdf.open()
    page = scan.new_page()
    page.insert_image(page.rect, pixmap=src[0].get_pixmap(dpi=50))
    path = tmp_path / "scan.pdf"
    scan.save(path)
    report = ingest(store, load_settings(env={}, home=tmp_path), [str(path)])
    assert not report.added and store.counts()["papers"] == 0
    assert "scanned" in report.failed[0]


def test_ids_come_from_file_name_or_first_page_stamp() -> None:
    assert arxiv_id_for_pdf(Path("1111.2011v2.pdf"), "") == "1111.2011v2"
    assert arxiv_id_for_pdf(Path("acl-N18-3011_arXiv-1805.02262.pdf"), "") == "1805.02262"
    assert arxiv_id_for_pdf(Path("paper.pdf"), "arXiv:2206.10883v3 [cs.CL] 17 Oct 2022") == "2206.10883v3"
    assert arxiv_id_for_pdf(Path("notes.pdf"), "A paper with no id at all") is None


def test_stamped_pdf_gets_its_id_from_the_first_page_and_spans_hold(tmp_path: Path, store: Store) -> None:
    linked = tmp_path / "stamped.pdf"
    linked.symlink_to(PDFS / "2206.10883v3.pdf")
    report = ingest(store, load_settings(env={}, home=tmp_path), [str(linked)])
    assert report.added == ["2206.10883v3"]  # found through the first-page stamp
    paper = store.get_paper("2206.10883v3")
    assert paper.source == "pdf" and paper.version == 3 and len(paper.pdf_sha256) == 64
    text = store.fulltext(paper.id)
    rows = store.db.execute("SELECT char_start, char_end, text, page FROM passages "
                            "WHERE paper_id = ?", [paper.id]).fetchall()
    assert rows and all(text[s:e] == t and 1 <= page <= 37 for s, e, t, page in rows)


def test_pdf_without_arxiv_id_is_keyed_by_its_sha256(tmp_path: Path, store: Store) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(72, 72, 540, 720),
                        "Notes on retrieval evaluation\n\nWe measured recall at ten on two "
                        "corpora. Fusion of lexical and dense rankings improved recall by four "
                        "points over either alone, which matches earlier reports.")
    path = tmp_path / "notes.pdf"
    doc.save(path)
    [paper_id] = ingest(store, load_settings(env={}, home=tmp_path), [str(path)]).added
    paper = store.get_paper(paper_id)
    assert paper_id == f"pdf:{paper.pdf_sha256[:16]}" and paper.version is None
    assert paper.title == "Notes on retrieval evaluation"
