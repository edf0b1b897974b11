"""Typed records passed between stages. Every stage takes and returns these; the store
persists them. They are pydantic models so later stages can also use them as ``instructor``
response models.
"""

from __future__ import annotations

import hashlib
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
    """One search result. ``--json`` output is a list of these (documented in the README)."""

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


class IngestReport(BaseModel):
    """What an ingest did: counts, and one line per item that failed (the others carried on)."""

    added: list[str] = []
    unchanged: list[str] = []
    failed: list[str] = []
    problems: list[ParseProblem] = []
    embedded: int = 0

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.problems += other.problems
        self.embedded += other.embedded


ClaimType = Literal["finding", "comparison", "limitation", "method", "definition"]
CLAIM_TYPES: tuple[str, ...] = ClaimType.__args__  # type: ignore[attr-defined]


class Quantity(BaseModel):
    """A number stated in a claim, with its unit when one follows it (``12.5 %`` → 12.5, "%")."""

    value: float
    unit: str | None = None
    text: str = Field(description="the number as written")


class Claim(BaseModel):
    """One checkable statement from one paper version, resting on a verbatim quote.

    ``quote`` is exactly ``fulltext[char_start:char_end]`` of the paper's stored full text
    (the store refuses a claim for which that does not hold); ``text`` is the statement itself,
    which for the offline extractor is the quote with its line breaks and hyphenation undone.
    """

    id: str = Field(description="stable hash of extraction, span and text")
    paper_id: str = Field(description="arXiv id with version, or the library's id")
    passage_id: str
    page: int | None
    char_start: int
    char_end: int
    quote: str
    text: str
    claim_type: ClaimType
    numbers: list[Quantity] = []
    extractor: str = Field(description="'offline' or 'llm'")
    model: str | None = Field(default=None, description="the LLM, for the llm extractor")
    template_hash: str | None = Field(default=None, description="prompt template's sha256[:16]")
    llm_call: str | None = Field(default=None, description="key of the logged LLM request "
                                 "(llm_calls.key) the claim came from")


class ExtractionStats(BaseModel):
    """What one extraction did, so losses are counted and never silent."""

    passages: int = 0
    sentences: int = 0
    proposed: int = Field(0, description="claims the extractor put forward")
    passed_first_try: int = Field(0, description="kept, from a passage whose first answer passed")
    passed_after_retry: int = Field(0, description="kept, after the LLM was re-asked")
    dropped_quote: int = Field(0, description="quote not found in the passage after retries")
    dropped_instruction: int = Field(0, description="quote reads as an instruction to a model")
    dropped_number: int = Field(0, description="claim states a number its quote does not")
    failed_passages: int = Field(0, description="passages whose LLM calls failed outright")
    llm_calls: int = 0
    cached_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = Field(0.0, description="estimated USD; None when a price is unknown")
    seconds: float = 0.0


class Extraction(BaseModel):
    """The claims extracted from one paper for one question (or none) by one extractor."""

    id: str
    paper_id: str
    question: str | None = None
    extractor: str
    model: str | None = None
    template_hash: str | None = None
    claims: list[Claim] = []
    stats: ExtractionStats = ExtractionStats()
    problems: list[str] = Field([], description="one line per passage that failed")
