"""PDF bytes to a :class:`ParsedText`: full text, passages with pages and sections, problems.

Choices, and why:

* Text comes from PyMuPDF's ``page.get_text("dict")`` in the PDF's own content order, not
  with ``sort=True``: sorting orders blocks by their top edge, which interleaves the two
  columns of a two-column paper (checked on the ACL papers), while LaTeX, like most
  producers, writes a page in reading order.
  Ligatures are expanded (by MuPDF and again by a table), unmapped glyphs come out as
  U+FFFD so the garbled check can count them, and images are not extracted (speed).
* A paragraph is one MuPDF text block. Its lines are joined with a space, a line-end hyphen
  before a lowercase letter is removed (``exam-|ple`` -> ``example``) unless the paper
  writes that word with a hyphen mid-line somewhere (``document-level``) or the word already
  has a hyphen (``state-of-the-|art``); whitespace runs collapse.
* Page furniture is dropped: a block in the top or bottom 12% of a page whose text, digits
  masked, repeats on at least half the pages (documents of 3 pages or more); a bare page
  number there; and the arXiv side stamp (``first_page`` still returns it).
* A heading is a short block that is numbered (``2.1 Related Work``, ``A Appendix``,
  ``IV. RESULTS``) or a well-known name (Abstract, Introduction, ... References), or is bold
  or larger than the body font (the character-weighted median size). Footnote-sized and
  caption-like blocks never are. A heading names the section of the blocks after it, across
  pages; a heading block continued in the same style (a two-line title) extends the name.
  Headings stay in the full text but are not passage bodies.
* The full text is the kept blocks, joined by ``\\n`` within a page and ``\\n\\n`` between
  pages; passages come from :func:`chunk.chunk_blocks`, so ``fulltext[start:end] == text``.
* Nothing raises for a bad PDF: unopenable, encrypted, text-less (scanned) and garbled
  pages become :class:`ParseProblem` records, and zero passages always come with a problem.
  A page MuPDF fails to read is a ``no_text`` problem. A garbled page (over 5% U+FFFD,
  private-use, control or ``(cid:`` characters; under half letters or digits; or under 60%
  of its words with a vowel) is left out of the full text: it would only pollute search.
  Problems are logged at INFO: the caller reports them (they are in ``problems``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import pymupdf

from synth.parsing import chunk
from synth.records.papers import ParsedText, ParseProblem, Passage, ProblemKind

log = logging.getLogger(__name__)

# Whitespace kept as is (we collapse it ourselves), ligatures expanded, no image data.
_TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
_READ_ERRORS = (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase)
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st", "\u00ad": ""})
MARGIN = 0.12        # share of the page height searched for headers and footers
REPEAT_SHARE = 0.5   # a margin text on this share of pages (or more) is furniture
MIN_REPEAT_PAGES = 3

_ARXIV_STAMP = re.compile(r"^arXiv:\s?\S+\s+\[[^\]]+\]\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}$")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-Z](?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.)"
                       r"\s+[A-Z][^.!?;]*$")
_KNOWN = re.compile(
    r"^(?:(?:\d{1,2}(?:\.\d{1,2})*|[A-Z]|[IVX]{1,5})\.?\s+)?(?:abstract|introduction|"
    r"related works?|background|methods?|methodology|approach|experiments?|experimental setup|"
    r"evaluation|results(?: and discussion)?|discussion|conclusions?(?: and future work)?|"
    r"limitations|references|bibliography|acknowledge?ments?|appendix|appendices)$",
    re.IGNORECASE)
_UNMAPPED = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x1f]")  # replacement, private use, control
_ALNUM = re.compile(r"[^\W_]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_VOWEL = re.compile("[aeiouyAEIOUY]")
_HYPHENATED = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")
_CAPTION = re.compile(r"^(?:fig(?:ure)?|tab(?:le)?|algorithm)\.?\s*\d", re.IGNORECASE)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|-medi", re.IGNORECASE)

Issue = tuple[ProblemKind, int | None, str]  # problem kind, 1-based page or None, one-line detail


@dataclass(frozen=True)
class _Para:
    """One text block of a page: its raw lines, then (once joined) its cleaned text."""

    page: int
    lines: tuple[str, ...]
    size: float
    bold: bool
    edge: bool  # lies within the top or bottom margin
    text: str = ""


@dataclass(frozen=True)
class _Page:
    number: int
    paras: list[_Para]
    issue: Issue | None = None
    images: bool = False  # a text-less page that shows images: scanned?


def parse_pdf(data: bytes, paper_id: str, path: str | None = None,
              max_chars: int = chunk.MAX_CHARS) -> ParsedText:
    """Read a PDF into full text and passages; never raises for a bad PDF (see ``problems``)."""
    opened = _open(data)
    if isinstance(opened, tuple):
        return _result(paper_id, path, "", 0, [], [opened])
    with opened as doc:
        if doc.is_repaired:
            log.info("%s: PDF was damaged and has been repaired by MuPDF", paper_id)
        pages = [_read_page(doc, i) for i in range(doc.page_count)]
    issues = _page_issues(pages)
    kept = _drop_furniture(_join_pages([p for p in pages if p.issue is None]))
    fulltext, blocks = _assemble(kept, _body_size(kept))
    passages = chunk.chunk_blocks(paper_id, fulltext, blocks, max_chars)
    if not passages and not issues:
        issues.append(("empty", None, "no text is left after removing headers and footers; "
                                      "check the PDF by eye and re-ingest a better copy"))
    return _result(paper_id, path, fulltext, len(pages), passages, issues)


_STAMP = re.compile(r"arXiv:\s*\d{4}\.\d{4,5}")  # the side stamp, anywhere in a span
_TITLE_SIZE = 1.15
"""A title's type is at least this many times the first page's median size."""


def _looks_like_title(text: str) -> bool:
    return len(text.split()) >= 3 and sum(len(w) >= 4 for w in text.split()) >= 2


class FirstPage(NamedTuple):
    """Page 1 of a PDF, read once: its raw text (the arXiv side stamp included; '' when it
    cannot be read) and the paper's title (None when none is found)."""

    text: str
    title: str | None


def first_page(data: bytes) -> FirstPage:
    """Page 1's raw text and the PDF's real title: its metadata title when it reads as one,
    else the largest type in the top 40% of page 1 (the arXiv side stamp and rotated text left
    out) when it is larger than the page's body type, else the page's first line of more than
    12 characters that is not the stamp; None for an excerpt or a scan with no text."""
    opened = _open(data)
    if isinstance(opened, tuple):
        return FirstPage("", None)
    with opened as doc:
        try:
            if not doc.page_count:
                return FirstPage("", None)
            meta = " ".join(str((doc.metadata or {}).get("title") or "").split())
            page = doc[0]
            height = page.rect.height
            text = str(page.get_text())
            blocks = page.get_text("dict")["blocks"]
        except _READ_ERRORS:
            return FirstPage("", None)
    if _looks_like_title(meta) and not meta.lower().endswith((".pdf", ".doc", ".docx")):
        return FirstPage(text, meta[:300])
    return FirstPage(text, _largest_type(blocks, height) or _first_line(text))


def _largest_type(blocks: list[dict], height: float) -> str | None:
    spans = [(round(span["size"], 1), span["text"], line["bbox"][1])
             for block in blocks if block.get("type") == 0 for line in block["lines"]
             if abs(line["dir"][0] - 1) < 1e-3 for span in line["spans"]
             if span["text"].strip() and not _STAMP.search(span["text"])]
    if not spans:
        return None
    body = sorted(size for size, _, _ in spans)[len(spans) // 2]
    top = [(size, text) for size, text, y in spans if y < 0.4 * height]
    for size in sorted({size for size, _ in top}, reverse=True):
        if size < _TITLE_SIZE * body:
            break
        text = " ".join(" ".join(t for s, t in top if abs(s - size) < 0.3).split())
        if _looks_like_title(text):
            return text[:300]
    return None


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        line = " ".join(line.split())
        if len(line) > 12 and not _STAMP.search(line):
            return line[:200]
    return None


def _result(paper_id: str, path: str | None, fulltext: str, pages: int,
            passages: list[Passage], issues: list[Issue]) -> ParsedText:
    problems = [ParseProblem(paper_id=paper_id, path=path, kind=kind, page=page, detail=detail)
                for kind, page, detail in issues]
    for problem in problems:
        log.info("%s: %s: %s", paper_id, problem.kind, problem.detail)
    return ParsedText(fulltext=fulltext, kind="pdf", pages=pages, passages=passages,
                      problems=problems)


def _open(data: bytes) -> pymupdf.Document | Issue:
    """The opened document, or the issue that stops it being read at all."""
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except _READ_ERRORS as err:
        return ("unopenable", None, f"not a readable PDF ({err}); re-download the file")
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        return ("encrypted", None, "PDF is encrypted with a password; "
                                   "save an unencrypted copy and re-ingest it")
    if doc.page_count == 0:
        damaged = doc.is_repaired
        doc.close()
        if damaged:
            return ("unopenable", None, "PDF is damaged or truncated and no page could be "
                                        "recovered; re-download the file")
        return ("empty", None, "PDF has no pages; re-download the file")
    return doc


def _read_page(doc: pymupdf.Document, index: int) -> _Page:
    """The page's paragraphs, or the issue that makes its text unusable."""
    number = index + 1
    try:
        page = doc.load_page(index)
        raw = page.get_text("dict", flags=_TEXT_FLAGS)
        height = page.rect.height or 1.0
        paras = [p for b in raw["blocks"] if (p := _block_para(b, number, height)) is not None]
        has_images = not paras and bool(page.get_images())
    except _READ_ERRORS as err:
        return _Page(number, [], ("no_text", number, f"page {number} could not be read "
                                                      f"({err}); re-download the file"))
    if not paras:
        hint = " (scanned?)" if has_images else ""
        return _Page(number, [], ("no_text", number, f"page {number} has no text layer{hint}; "
                                                      "OCR it and re-ingest"), has_images)
    reason = _garbled_reason(" ".join(line for p in paras for line in p.lines))
    if reason:
        return _Page(number, [], ("garbled", number, f"page {number} text is garbled "
                                                      f"({reason}); OCR it and re-ingest"))
    return _Page(number, paras)


def _block_para(block: dict[str, Any], page: int, height: float) -> _Para | None:
    """A cleaned paragraph from one MuPDF text block, with its dominant font."""
    if block.get("type") != 0:
        return None
    lines = tuple("".join(span["text"] for span in line["spans"]).translate(_LIGATURES)
                  for line in block["lines"])
    if not any(line.strip() for line in lines):
        return None
    sizes: Counter[float] = Counter()
    bold_chars = 0
    for span in (s for line in block["lines"] for s in line["spans"] if s["text"].strip()):
        sizes[round(span["size"], 1)] += len(span["text"])
        if span["flags"] & pymupdf.TEXT_FONT_BOLD or _BOLD_FONT.search(span["font"]):
            bold_chars += len(span["text"])
    bold = bold_chars * 2 > sum(sizes.values())
    top, bottom = block["bbox"][3] <= MARGIN * height, block["bbox"][1] >= (1 - MARGIN) * height
    return _Para(page, lines, sizes.most_common(1)[0][0], bold, top or bottom)


def _join_pages(pages: list[_Page]) -> list[_Page]:
    """Pages whose paragraphs have their text joined, knowing the document's hyphenated words."""
    lines = (line for page in pages for para in page.paras for line in para.lines)
    hyphenated = {w.lower() for line in lines for w in _HYPHENATED.findall(line)}
    return [_Page(page.number, [replace(para, text=text) for para in page.paras
                                if (text := _join_lines(para.lines, hyphenated))])
            for page in pages]


def _join_lines(lines: tuple[str, ...], hyphenated: set[str]) -> str:
    """One paragraph from its lines: collapse whitespace and undo line-end hyphenation
    (``exam-|ple`` -> ``example``) unless the word is hyphenated mid-line elsewhere in the
    paper (``document-level``) or is already a compound (``state-of-the-|art``)."""
    out = ""
    for line in (" ".join(raw.split()) for raw in lines):
        if not line:
            continue
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            head = out.rsplit(" ", 1)[-1][:-1]
            tail = re.split(r"[^A-Za-z]", line, maxsplit=1)[0]
            word = f"{re.split(r'[^A-Za-z]', head)[-1]}-{tail}".lower()
            keep = "-" in head or not line[0].islower() or word in hyphenated
            out = (out if keep else out[:-1]) + line
        else:
            out = f"{out} {line}" if out else line
    return out


def _garbled_reason(text: str) -> str | None:
    """Why a page's text looks like garbage (unmapped glyphs, symbol or consonant soup)."""
    compact = "".join(text.split())
    if len(compact) < 20:
        return None
    bad = len(_UNMAPPED.findall(compact)) + 5 * compact.count("(cid:")
    if bad > 0.05 * len(compact):
        return f"{bad / len(compact):.0%} unmapped glyphs: its fonts lack a Unicode map"
    if len(_ALNUM.findall(compact)) < 0.5 * len(compact):
        return "few letters or digits"
    words = _WORD.findall(text)
    if len(words) >= 20 and sum(1 for w in words if _VOWEL.search(w)) < 0.6 * len(words):
        return "few dictionary-looking words"
    return None


def _page_issues(pages: list[_Page]) -> list[Issue]:
    """Per-page issues; a document with no text on any page is reported once as scanned."""
    issues = [p.issue for p in pages if p.issue is not None]
    textless = all(p.issue is not None and p.issue[0] == "no_text" for p in pages)
    if textless and any(p.images for p in pages):
        return [("scanned", None, f"no text layer on any of its {len(pages)} page(s) "
                                  "(scanned?); OCR the PDF and re-ingest")]
    return issues


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _drop_furniture(pages: list[_Page]) -> list[_Page]:
    """Pages without repeated headers and footers, bare page numbers or the arXiv stamp."""
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_furniture_key(p.text) for p in page.paras if p.edge})
    needed = max(2, REPEAT_SHARE * len(pages))
    repeated = ({k for k, n in seen.items() if n >= needed}
                if len(pages) >= MIN_REPEAT_PAGES else set())

    def keep(p: _Para) -> bool:
        if _ARXIV_STAMP.match(p.text):
            return False
        return not (p.edge and (_PAGE_NUMBER.match(p.text) or _furniture_key(p.text) in repeated))

    return [_Page(page.number, [p for p in page.paras if keep(p)]) for page in pages]


def _body_size(pages: list[_Page]) -> float:
    """Character-weighted median font size of the paragraphs: the body text size."""
    sizes = sorted((p.size, len(p.text)) for page in pages for p in page.paras)
    half, total = sum(n for _, n in sizes) / 2, 0
    for size, n in sizes:
        total += n
        if total >= half:
            return size
    return 10.0


def _heading_kind(para: _Para, body: float, after: tuple[float, bool] | None) -> str | None:
    """'named' for a numbered or well-known heading, 'styled' for a bold or large one, 'more'
    for a line continuing the heading just before it in the same style, else None."""
    text = para.text
    if len(text) > 100 or len(text.split()) > 12 or _CAPTION.match(text):
        return None
    if sum(c.isalpha() for c in text) < max(2, len(text) // 2) or para.size < body - 1.5:
        return None
    if text.endswith((",", ";", ":")):
        return None
    styled = (para.bold and para.size >= body - 0.5) or para.size >= body + 1.0
    numbered = _NUMBERED.match(text) and (text[0].isdigit() or para.bold or styled)
    if _KNOWN.match(text) or numbered:
        return "named"
    if after == (para.size, para.bold) and (para.bold or para.size > body):
        return "more"
    return "styled" if styled and not text.endswith(".") else None


def _assemble(pages: list[_Page], body: float) -> tuple[str, list[chunk.Block]]:
    """Full text of the kept paragraphs, and the non-heading ones as blocks with sections."""
    parts: list[str] = []
    blocks: list[chunk.Block] = []
    offset, section, last_heading = 0, None, None
    for page in (p for p in pages if p.paras):
        if parts:
            parts.append("\n\n")
            offset += 2
        for i, para in enumerate(page.paras):
            if i:
                parts.append("\n")
                offset += 1
            parts.append(para.text)
            start, offset = offset, offset + len(para.text)
            kind = _heading_kind(para, body, last_heading)
            if kind is None:
                blocks.append(chunk.Block(start, offset, page.number, section))
                last_heading = None
            elif kind == "more" and section and len(section) + len(para.text) < 160:
                section = f"{section} {para.text}"
            else:
                section, last_heading = para.text, (para.size, para.bold)
    return "".join(parts), blocks
