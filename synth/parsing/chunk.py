"""Cutting a paper's full text into passages on sentence and paragraph boundaries.

Pure functions over offsets: every passage is a ``(start, end)`` span of the full text, so
``fulltext[p.char_start:p.char_end] == p.text`` holds by construction. A passage never
crosses a page or a section; consecutive paragraphs are packed up to ``max_chars`` and a
paragraph longer than that is cut between sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from synth.records.papers import Paper, ParsedText, Passage, passage_id

MAX_CHARS = 1000

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket), then space,
# then something that can open a sentence. Common abbreviations do not end sentences.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "Fig.", "Figs.", "Eq.", "Eqs.", "Sec.", "Tab.",
                  "vs.", "cf.", "resp.", "approx.", "No.", "Dr.", "Mr.", "Ms.", "Prof.", "al.")


@dataclass(frozen=True)
class Block:
    """A paragraph-like span of the full text, with where it sits in the paper."""

    start: int
    end: int
    page: int | None = None
    section: str | None = None


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text[start:end]``, whitespace trimmed, in full-text offsets."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _SENTENCE_END.finditer(text, start, end):
        stop = m.start() + 1
        if abbreviation_before(text, max(cursor, stop - 10), stop):
            continue
        while stop < m.end() and not text[stop].isspace():
            stop += 1  # keep closing quotes/brackets with their sentence
        spans.append(_trim(text, cursor, stop))
        cursor = m.end()
    spans.append(_trim(text, cursor, end))
    return [s for s in spans if s[1] > s[0]]


def abbreviation_before(text: str, start: int, stop: int) -> bool:
    """Whether ``text[start:stop]`` ends with a whole abbreviation ("e.g.", "vs."), not a word
    that ends like one ("LLMs." is not "Ms.")."""
    head = text[start:stop]
    return any(head.endswith(a) and (len(head) == len(a) or not head[-len(a) - 1].isalnum())
               for a in _ABBREVIATIONS)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_blocks(paper_id: str, text: str, blocks: list[Block],
                 max_chars: int = MAX_CHARS) -> list[Passage]:
    """Pack blocks into passages of at most ``max_chars`` (one long sentence may exceed it)."""
    passages: list[Passage] = []
    current: list[tuple[int, int]] = []
    where: tuple[int | None, str | None] = (None, None)

    def flush() -> None:
        if current:
            s, e = current[0][0], current[-1][1]
            passages.append(Passage(id=passage_id(paper_id, s, e), paper_id=paper_id,
                                    ordinal=len(passages), page=where[0], section=where[1],
                                    char_start=s, char_end=e, text=text[s:e]))
            current.clear()

    for block in blocks:
        if (block.page, block.section) != where:
            flush()
            where = (block.page, block.section)
        pieces = [_trim(text, block.start, block.end)]
        if pieces[0][1] - pieces[0][0] > max_chars:
            pieces = sentence_spans(text, block.start, block.end)
        for s, e in pieces:
            if e <= s:
                continue
            if current and e - current[0][0] > max_chars:
                flush()
            current.append((s, e))
    flush()
    return passages


def paragraph_blocks(text: str, page: int | None = None, section: str | None = None,
                     offset: int = 0, end: int | None = None) -> list[Block]:
    """Blocks separated by blank lines in ``text[offset:end]``."""
    end = len(text) if end is None else end
    blocks, cursor = [], offset
    for m in re.finditer(r"\n\s*\n", text[offset:end]):
        blocks.append(Block(cursor, offset + m.start(), page, section))
        cursor = offset + m.end()
    blocks.append(Block(cursor, end, page, section))
    return [b for b in blocks if text[b.start:b.end].strip()]


def metadata_text(paper: Paper, max_chars: int = MAX_CHARS) -> ParsedText:
    """Full text for a paper known only by its metadata: title, blank line, abstract."""
    title = " ".join(paper.title.split())
    abstract = paper.abstract.strip()
    fulltext = f"{title}\n\n{abstract}" if abstract else title
    body = Block(len(title) + 2, len(fulltext), None, "Abstract") if abstract else None
    blocks = [Block(0, len(title), None, "Title")] + ([body] if body else [])
    # Title and abstract make one passage when they fit, so a query on title words finds it.
    if len(fulltext) <= max_chars:
        blocks = [Block(0, len(fulltext), None, None)]
    return ParsedText(fulltext=fulltext, kind="metadata",
                      passages=chunk_blocks(paper.id, fulltext, blocks, max_chars))
