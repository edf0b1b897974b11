"""Records of the library stages: papers, their passages and parse problems, search hits,
and what an ingest did. Pydantic models, imported by every stage; this module imports nothing
from synth.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

Source = Literal["arxiv", "snapshot", "pdf"]
ProblemKind = Literal["unopenable", "encrypted", "no_text", "scanned", "garbled", "empty", "bad_record"]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Paper(BaseModel):
    """One version of one paper. ``id`` carries the version when one is known (``2106.09685v2``)."""

    id: str
    base_id: str = Field(description="id without its version suffix")
    version: int | None = None
    title: str
    authors: list[str] = []
    abstract: str = ""
    published: str | None = Field(default=None, description="ISO date of the first version")
    updated: str | None = Field(default=None, description="ISO date of this version")
    categories: list[str] = []
    licence: str | None = None
    source: Source
    pdf_sha256: str | None = Field(default=None, description="sha256 of the PDF whose text was read")
    url: str | None = None

    def record_sha(self) -> str:
        """Content hash of the metadata, so a re-import can skip unchanged records."""
        return sha256_text(self.model_dump_json(exclude={"pdf_sha256"}))


class Passage(BaseModel):
    """A span of a paper's full text: ``fulltext[char_start:char_end] == text`` always holds."""

    id: str = Field(description="paper id, '#', char start, '-', char end")
    paper_id: str
    ordinal: int
    page: int | None = Field(default=None, description="1-based PDF page; None for metadata text")
    section: str | None = None
    char_start: int
    char_end: int
    text: str

    @property
    def sha(self) -> str:
        return sha256_text(self.text)


def passage_id(paper_id: str, start: int, end: int) -> str:
    return f"{paper_id}#{start}-{end}"


class ParseProblem(BaseModel):
    """Why some or all of a paper's text could not be read. Stored and reported, never silent."""

    paper_id: str | None = None
    path: str | None = None
    kind: ProblemKind
    page: int | None = None
    detail: str


class ParsedText(BaseModel):
    """A paper's full text cut into passages, plus whatever went wrong reading it."""

    fulltext: str
    kind: Literal["metadata", "pdf"]
    pages: int = 0
    passages: list[Passage] = []
    problems: list[ParseProblem] = []


class Hit(BaseModel):
    """One search result. ``--json`` output is a list of these (docs/formats.md)."""

    paper_id: str
    version: int | None
    title: str
    passage_id: str
    page: int | None
    section: str | None
    char_start: int
    char_end: int
    text: str
    score: float = Field(description="fused score (reciprocal rank fusion), higher is better")
    lexical_rank: int | None = None
    dense_rank: int | None = None
    similarity: float | None = Field(None, description="cosine of query and passage embeddings "
                                     "(unit vectors), whatever the mode")


LISTED = 1_000
"""How many ids, failure lines and problems an :class:`IngestReport` lists per kind; its counts
stay exact past that, so a multi-million-line snapshot imports in constant memory."""


class IngestReport(BaseModel):
    """What an ingest did: exact counts; the first :data:`LISTED` ids added and unchanged,
    lines of what failed (the others carried on) and parse problems. Every problem is also
    stored in the library (``synth library`` lists them)."""

    added: list[str] = []
    unchanged: list[str] = []
    failed: list[str] = []
    problems: list[ParseProblem] = []
    added_count: int = 0
    unchanged_count: int = 0
    failed_count: int = 0
    problem_count: int = 0
    embedded: int = 0

    def note_added(self, *paper_ids: str) -> None:
        self.added_count += len(paper_ids)
        self.added += paper_ids[:LISTED - len(self.added)]

    def note_unchanged(self, *paper_ids: str) -> None:
        self.unchanged_count += len(paper_ids)
        self.unchanged += paper_ids[:LISTED - len(self.unchanged)]

    def note_failed(self, *lines: str) -> None:
        self.failed_count += len(lines)
        self.failed += lines[:LISTED - len(self.failed)]

    def note_problems(self, problems: Sequence[ParseProblem]) -> None:
        self.problem_count += len(problems)
        self.problems += problems[:LISTED - len(self.problems)]

    def merge(self, other: IngestReport) -> None:
        self.note_added(*other.added)
        self.note_unchanged(*other.unchanged)
        self.note_failed(*other.failed)
        self.note_problems(other.problems)
        self.added_count += other.added_count - len(other.added)
        self.unchanged_count += other.unchanged_count - len(other.unchanged)
        self.failed_count += other.failed_count - len(other.failed)
        self.problem_count += other.problem_count - len(other.problems)
        self.embedded += other.embedded
