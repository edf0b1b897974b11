"""Records that come from outside synth, checked in one place before anything is stored:
snapshot lines, the rows of an export bundle, batch-file lines, and the user's price table and
entity lexicon. Each is a pydantic model; :func:`problem` turns a validation error into one
line that names the field and what was wrong with it. This module imports only records.

The models are strict about types (a ``"categories": 5`` is refused, not read as ``"5"``) and
about integers (a value outside SQLite's 64-bit range is refused); they allow unknown fields
only where the format does (a snapshot line carries fields synth does not read).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from synth.records.claims import ClaimType
from synth.records.options import AskSource

INT64 = 2**63 - 1
Int = Annotated[StrictInt, Field(ge=-INT64 - 1, le=INT64)]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Number = Annotated[StrictInt | StrictFloat, AfterValidator(_finite)]


# pydantic names the member of a union it tried in the error's location ("categories.str");
# such a part is not a field, and the location is cut there.
_MEMBER = re.compile(r"^(str|int|float|bool|none|(list|dict|tuple|set|function-\w+|"
                     r"constrained-\w+|is-instance|json-or-python|lax-or-strict)(\[.*)?)$")


def problem(err: ValidationError, limit: int = 120) -> str:
    """The first problem of a validation error as ``field: message`` on one short line; a
    value that fits none of a field's accepted types is ``field: wrong type (int 5)``."""
    errors = err.errors()
    first = errors[0]
    loc: list[str] = []
    for part in first["loc"]:
        if isinstance(part, str) and _MEMBER.match(part):
            break
        loc.append(str(part))
    prefix = tuple(first["loc"][:len(loc)])
    if len(loc) < len(first["loc"]) and sum(tuple(e["loc"][:len(loc)]) == prefix
                                             for e in errors) > 1:
        value = first.get("input")
        message = f"wrong type ({type(value).__name__} {repr(value)[:40]})"
    else:
        message = first["msg"]
    return f"{'.'.join(loc) or 'record'}: {message}"[:limit]


# ---- snapshot lines ------------------------------------------------------------------------


class SnapshotVersion(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: StrictStr | None = None
    created: StrictStr | None = None


class SnapshotRecord(BaseModel):
    """One line of an arXiv-metadata-snapshot-shaped file (see :mod:`synth.library.snapshot`)."""

    model_config = ConfigDict(extra="allow")

    id: StrictStr | Int | None = None
    arxiv_id: StrictStr | Int | None = None
    doc_id: StrictStr | Int | None = None
    cord_id: StrictStr | Int | None = None
    bibkey: StrictStr | Int | None = None
    title: StrictStr | None = None
    abstract: StrictStr | list[StrictStr] | None = None
    authors: StrictStr | list[StrictStr] | None = None
    authors_parsed: list[list[StrictStr]] | None = None
    categories: StrictStr | list[StrictStr] | None = None
    versions: list[SnapshotVersion] | None = None
    update_date: StrictStr | None = None
    license: StrictStr | None = None
    year: Int | StrictStr | None = None

    def raw_id(self) -> str:
        """The first id field given (id, arxiv_id, doc_id, cord_id, bibkey), or ''."""
        for value in (self.id, self.arxiv_id, self.doc_id, self.cord_id, self.bibkey):
            if value is not None and str(value).strip():
                return str(value).strip()
        return ""


# ---- export bundles ------------------------------------------------------------------------


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PaperRow(_Row):
    id: StrictStr = Field(min_length=1)
    base_id: StrictStr
    version: Int | None
    title: StrictStr
    authors: StrictStr
    abstract: StrictStr | None
    published: StrictStr | None
    updated: StrictStr | None
    categories: StrictStr
    licence: StrictStr | None
    source: Literal["arxiv", "snapshot", "pdf"]
    pdf_sha256: StrictStr | None
    url: StrictStr | None
    record_sha: StrictStr | None
    fulltext_kind: Literal["pdf", "metadata"]


class TextRow(_Row):
    paper_id: StrictStr
    text: StrictStr
    sha: StrictStr
    pages: Int | None


class PassageRow(_Row):
    id: StrictStr
    paper_id: StrictStr
    ordinal: Int
    page: Int | None
    section: StrictStr | None
    char_start: Int
    char_end: Int
    text: StrictStr
    sha: StrictStr


class ExtractionRow(_Row):
    id: StrictStr
    paper_id: StrictStr
    question: StrictStr | None
    extractor: StrictStr
    model: StrictStr | None
    template_hash: StrictStr | None
    stats: StrictStr
    problems: StrictStr | None
    at: StrictStr


class ClaimRow(_Row):
    id: StrictStr
    extraction_id: StrictStr
    ordinal: Int
    paper_id: StrictStr
    passage_id: StrictStr | None
    page: Int | None
    char_start: Int
    char_end: Int
    quote: StrictStr
    text: StrictStr
    claim_type: ClaimType
    numbers: StrictStr
    extractor: StrictStr
    model: StrictStr | None
    template_hash: StrictStr | None
    llm_call: StrictStr | None


class LLMCallRow(_Row):
    at: StrictStr
    key: StrictStr
    attempt: Int
    template: StrictStr | None
    template_hash: StrictStr | None
    prompt_sha: StrictStr | None
    prompt: StrictStr | None
    model: StrictStr | None
    base_url: StrictStr | None
    mode: StrictStr | None
    response: StrictStr | None
    error: StrictStr | None
    tokens_in: Int | None
    tokens_out: Int | None
    seconds: Number | None
    cost: Number | None


class LLMCacheRow(_Row):
    key: StrictStr
    value: StrictStr
    valid: Int
    attempts: Int
    at: StrictStr | None


class ReportRow(_Row):
    id: StrictStr
    version: StrictInt = Field(ge=1, le=INT64)
    question: StrictStr
    created: StrictStr
    score: Number
    answerable: Int
    claims: Int
    report: StrictStr


class CorrectionRow(_Row):
    report_id: StrictStr
    version: Int
    claim: Int
    claim_id: StrictStr
    who: StrictStr
    at: StrictStr
    label: StrictStr | None
    reason: StrictStr


class BundleRows(_Row):
    """Every table of a bundle, in the order it is written."""

    papers: list[PaperRow]
    texts: list[TextRow]
    passages: list[PassageRow]
    extractions: list[ExtractionRow]
    claims: list[ClaimRow]
    llm_calls: list[LLMCallRow]
    llm_cache: list[LLMCacheRow]
    reports: list[ReportRow] = Field(min_length=1)
    corrections: list[CorrectionRow]


class Bundle(_Row):
    format: Literal["synth-bundle/1"]
    report_id: StrictStr
    rows: BundleRows
    pdfs: dict[StrictStr, StrictStr]


# ---- batch lines and user files ------------------------------------------------------------


class BatchLine(BaseModel):
    """One JSON line of a batch file; fields other than these are refused (a typo would
    otherwise be ignored silently)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: StrictStr = Field(min_length=1)
    max_papers: StrictInt = Field(5, ge=1, le=100)
    source: AskSource = "both"


class PriceTable(BaseModel):
    """``prices.json``: model name -> [USD per million input tokens, per million output]."""

    prices: dict[StrictStr, tuple[Annotated[Number, Field(ge=0)], Annotated[Number, Field(ge=0)]]]


class Lexicon(BaseModel):
    """``entities.json``: kind -> names, each a non-empty string."""

    kinds: dict[StrictStr, list[Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]]]


def without_comments(raw: Any) -> Any:
    """A user JSON object with its ``_comment``-style keys (leading underscore) removed."""
    if isinstance(raw, dict):
        return {k: v for k, v in raw.items() if not (isinstance(k, str) and k.startswith("_"))}
    return raw
