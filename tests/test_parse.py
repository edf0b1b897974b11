"""parse_pdf on the real arXiv PDFs in ../shared/data/arxiv-pdfs (read in place), and on
broken PDFs built here with pymupdf itself (real files, no mocks)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pymupdf
import pytest

from synth.parsing.chunk import sentence_spans
from synth.parsing.pdf import first_page, parse_pdf
from synth.records.papers import ParsedText, passage_id

PDFS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-pdfs"

# Page counts from SOURCE.md beside the PDFs.
PAGES = {
    "0908.0054v1.pdf": 4, "1111.2011v2.pdf": 8, "1708.05894v1.pdf": 12,
    "1903.10676-table-page.pdf": 1, "2107.07170-table-page.pdf": 1, "2206.10883v3.pdf": 37,
    "2304.02623v1.pdf": 4, "2305.03393v1-pg9.pdf": 1, "2501.10120v1.pdf": 15,
    "acl-2020.acl-main.207_arXiv-2004.07180.pdf": 13, "acl-N18-3011_arXiv-1805.02262.pdf": 8,
}
STAMPED = ["0908.0054v1", "1111.2011v2", "1708.05894v1", "2206.10883v3", "2304.02623v1",
           "2501.10120v1"]
ACL_2020 = "acl-2020.acl-main.207_arXiv-2004.07180.pdf"


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParsedText]:
    """Every real PDF parsed once for the module."""
    return {name: parse_pdf((PDFS / name).read_bytes(), Path(name).stem, str(PDFS / name))
            for name in PAGES}


def raw_text(name: str) -> str:
    with pymupdf.open(PDFS / name) as doc:
        return "\n".join(page.get_text() for page in doc)


def text_pdf(path: Path, *pages: str) -> bytes:
    """A real PDF with one page per string ('' makes a blank page), saved under ``path``."""
    with pymupdf.open() as doc:
        for text in pages:
            page = doc.new_page()
            if text:
                page.insert_textbox(pymupdf.Rect(72, 72, 520, 770), text, fontsize=10)
        doc.save(path)
    return path.read_bytes()


PROSE = ("Retrieval augmented generation grounds the answers of a language model in passages "
         "that a search step finds in a collection of papers. ") * 8


def test_all_eleven_real_pdfs_are_present() -> None:
    assert sorted(p.name for p in PDFS.glob("*.pdf")) == sorted(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_real_pdf_parses_into_ordered_passages_whose_spans_match_the_fulltext(
        parsed: dict[str, ParsedText], name: str) -> None:
    result = parsed[name]
    assert result.kind == "pdf"
    assert result.pages == PAGES[name]
    assert result.problems == []
    assert result.passages
    previous_end = 0
    for ordinal, p in enumerate(result.passages):
        assert result.fulltext[p.char_start:p.char_end] == p.text
        assert p.id == passage_id(Path(name).stem, p.char_start, p.char_end)
        assert p.ordinal == ordinal
        assert p.page is not None and 1 <= p.page <= result.pages
        assert p.char_start >= previous_end and p.char_end > p.char_start
        previous_end = p.char_end
    pages = [p.page for p in result.passages]
    assert pages == sorted(pages)


def test_line_end_hyphenation_is_undone_but_real_hyphens_are_kept(
        parsed: dict[str, ParsedText]) -> None:
    raw, text = raw_text(ACL_2020), parsed[ACL_2020].fulltext
    assert "in-\ncluding" in raw and "including topic classification" in text
    # the paper also writes "document-level" mid-line, so the line-end hyphen is real
    assert "document-\nlevel" in raw and "documentlevel" not in text
    assert "state-of-\nthe-art" in raw and "state-of-the-art" in text
    assert "Se-\nlector" in raw_text("2501.10120v1.pdf")
    assert "Se-lector" not in parsed["2501.10120v1.pdf"].fulltext


def test_ligatures_are_expanded_in_every_fulltext(parsed: dict[str, ParsedText]) -> None:
    assert "ﬁnd that existing summarization" in raw_text("2206.10883v3.pdf")
    assert "find that existing summarization" in parsed["2206.10883v3.pdf"].fulltext
    for result in parsed.values():
        assert not re.search("[\ufb00-\ufb06]", result.fulltext)


def test_repeated_running_header_and_page_numbers_are_dropped(
        parsed: dict[str, ParsedText]) -> None:
    assert raw_text("2304.02623v1.pdf").count("Shen, et al.") == 2  # pages 2 and 4
    assert "Shen, et al." not in parsed["2304.02623v1.pdf"].fulltext
    result = parsed["2206.10883v3.pdf"]
    with pymupdf.open(PDFS / "2206.10883v3.pdf") as doc:
        assert doc[1].get_text().strip().endswith("\n2")  # the footer page number
    page_two = [p.text for p in result.passages if p.page == 2]
    assert page_two and not any(re.search(r"(^|\n)2$", text) for text in page_two)
    assert not any(re.fullmatch(r"\d{1,3}", line) for line in result.fulltext.split("\n"))


@pytest.mark.parametrize("stem", STAMPED)
def test_arxiv_stamp_is_left_out_of_the_text_but_first_page_text_keeps_it(
        parsed: dict[str, ParsedText], stem: str) -> None:
    data = (PDFS / f"{stem}.pdf").read_bytes()
    assert f"arXiv:{stem}" in first_page(data).text
    result = parsed[f"{stem}.pdf"]
    assert f"arXiv:{stem}" not in result.fulltext
    assert not any(f"arXiv:{stem}" in p.text for p in result.passages)


@pytest.mark.parametrize(("name", "heading"), [
    ("2206.10883v3.pdf", "1 Introduction"),
    (ACL_2020, "1 Introduction"),
    ("acl-N18-3011_arXiv-1805.02262.pdf", "1 Introduction"),
    ("1708.05894v1.pdf", "1. Introduction"),
    ("1111.2011v2.pdf", "I. INTRODUCTION"),
    ("2304.02623v1.pdf", "1 INTRODUCTION"),
    ("2501.10120v1.pdf", "1 Introduction"),
])
def test_introduction_heading_names_the_section_of_its_passages(
        parsed: dict[str, ParsedText], name: str, heading: str) -> None:
    result = parsed[name]
    assert any(p.section == heading for p in result.passages)
    assert heading in result.fulltext  # headings stay in the full text ...
    assert not any(p.text.startswith(heading) for p in result.passages)  # ... not in bodies


def test_sections_carry_across_pages_and_join_two_line_headings(
        parsed: dict[str, ParsedText]) -> None:
    multi_lexsum = parsed["2206.10883v3.pdf"].passages
    assert [p.section for p in multi_lexsum if p.page == 2][0] == "1 Introduction"
    assert any(p.section == "References" for p in multi_lexsum)
    assert any(p.section == "A.1 Accessing Multi-LexSum" for p in multi_lexsum)
    sections = {p.section for p in parsed["1111.2011v2.pdf"].passages}
    assert "II. SELF-CONSISTENT ACTION IN THE LARGE z LIMIT" in sections


def test_garbage_bytes_are_unopenable_and_carry_paper_id_and_path() -> None:
    result = parse_pdf(b"this is not a PDF at all\n" * 40, "2101.00001v1", "/tmp/x.pdf")
    assert result.passages == [] and result.fulltext == ""
    [problem] = result.problems
    assert (problem.kind, problem.paper_id, problem.path) == ("unopenable", "2101.00001v1",
                                                               "/tmp/x.pdf")
    assert "re-download" in problem.detail
    assert first_page(b"garbage").text == ""


def test_truncated_real_pdf_is_reported_not_raised(tmp_path: Path) -> None:
    cut = tmp_path / "cut.pdf"
    cut.write_bytes((PDFS / "2206.10883v3.pdf").read_bytes()[:2000])
    result = parse_pdf(cut.read_bytes(), "2206.10883v3", str(cut))
    assert result.passages == []
    assert [p.kind for p in result.problems] == ["unopenable"]
    assert first_page(cut.read_bytes()).text == ""


def test_password_protected_pdf_is_reported_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    with pymupdf.open() as doc:
        doc.new_page().insert_text((72, 72), "A secret about transformers.")
        doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y")
    result = parse_pdf(path.read_bytes(), "locked")
    assert [p.kind for p in result.problems] == ["encrypted"]
    assert result.passages == []
    assert "password" in result.problems[0].detail


def test_image_only_pdf_is_reported_scanned_without_passages(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    with pymupdf.open(PDFS / "2304.02623v1.pdf") as real, pymupdf.open() as doc:
        pixmap = real[0].get_pixmap(dpi=60)
        page = doc.new_page(width=real[0].rect.width, height=real[0].rect.height)
        page.insert_image(page.rect, pixmap=pixmap)
        doc.save(path)
    result = parse_pdf(path.read_bytes(), "scan")
    assert result.passages == []
    [problem] = result.problems
    assert problem.kind == "scanned" and "OCR" in problem.detail


def test_blank_page_is_reported_no_text_and_the_other_pages_are_kept(tmp_path: Path) -> None:
    result = parse_pdf(text_pdf(tmp_path / "blank.pdf", PROSE, ""), "blank")
    assert [(p.kind, p.page) for p in result.problems] == [("no_text", 2)]
    assert "page 2" in result.problems[0].detail
    assert result.passages and {p.page for p in result.passages} == {1}


def test_consonant_soup_page_is_reported_garbled(tmp_path: Path) -> None:
    rng = random.Random(7)
    soup = " ".join("".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(3, 8)))
                    for _ in range(150))
    result = parse_pdf(text_pdf(tmp_path / "soup.pdf", soup), "soup")
    assert [(p.kind, p.page) for p in result.problems] == [("garbled", 1)]
    assert result.passages == []


def test_page_of_unmapped_glyphs_is_reported_garbled_and_left_out(tmp_path: Path) -> None:
    """Page 2's font has a ToUnicode map sending every code to the private-use area, as broken
    PDF producers do; page 1 (another font) is still read."""
    path = tmp_path / "pua.pdf"
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Bad def "
            "1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange "
            "<20> <7E> <E000> endbfrange endcmap CMapName currentdict /CMap defineresource "
            "pop end end")
    with pymupdf.open() as doc:
        for font in ("helv", "tiro"):
            doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 520, 770), PROSE, fontname=font)
        font_xref = doc[1].get_fonts()[0][0]
        assert font_xref != doc[0].get_fonts()[0][0]
        cmap_xref = doc.get_new_xref()
        doc.update_object(cmap_xref, "<<>>")
        doc.update_stream(cmap_xref, cmap.encode())
        doc.xref_set_key(font_xref, "ToUnicode", f"{cmap_xref} 0 R")
        doc.save(path)
    result = parse_pdf(path.read_bytes(), "pua")
    assert [(p.kind, p.page) for p in result.problems] == [("garbled", 2)]
    assert "unmapped glyphs" in result.problems[0].detail
    assert result.passages and {p.page for p in result.passages} == {1}
    assert "\ue000" not in result.fulltext


def test_pdf_with_only_a_page_number_is_reported_empty(tmp_path: Path) -> None:
    """Zero passages always come with a problem, even when every page had some text."""
    result = parse_pdf(text_pdf(tmp_path / "number.pdf", "7"), "number")
    assert result.passages == []
    assert [p.kind for p in result.problems] == ["empty"]


@pytest.mark.parametrize(("name", "title"), [
    ("acl-2020.acl-main.207_arXiv-2004.07180.pdf",  # the metadata's, not "Proceedings of ..."
     "SPECTER: Document-level Representation Learning using Citation-informed Transformers"),
    ("2501.10120v1.pdf",  # no metadata; the largest type is a logo, the next the title
     "PaSa: An LLM Agent for Comprehensive Academic Paper Search"),
    ("1111.2011v2.pdf", "Quantum Criticality for Extended Nodes on a Bethe Lattice in the "
                        "Large Connectivity Limit"),
    # one page from the middle, no title type on it: its first line (here the running head)
    ("2305.03393v1-pg9.pdf", "Optimized Table Tokenization for Table Structure Recognition"),
])
def test_a_pdf_s_title_is_its_real_title(name, title) -> None:
    assert first_page((PDFS / name).read_bytes()).title == title
    assert first_page(b"not a pdf") == ("", None)


def test_a_page_without_text_has_no_title() -> None:
    blank = pymupdf.open()
    blank.new_page()
    assert first_page(blank.tobytes()) == ("", None)


def test_sentences_end_after_a_word_that_ends_like_an_abbreviation() -> None:
    text = ("We reach 82% on the Gemini family of LLMs. These attacks exploit a tradeoff, "
            "as in Smith et al. (2020) and Fig. 2 of Lee et al. A vs. B holds.")
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "We reach 82% on the Gemini family of LLMs.",
        "These attacks exploit a tradeoff, as in Smith et al. (2020) and Fig. 2 of Lee et al. "
        "A vs. B holds."]
