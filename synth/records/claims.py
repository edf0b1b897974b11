"""Records of claim extraction: a claim resting on a verbatim quote, the numbers it states,
and what one extraction did. They double as ``instructor`` response models; this module
imports nothing from synth.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ClaimType = Literal["finding", "comparison", "limitation", "method", "definition"]
CLAIM_TYPES: tuple[str, ...] = ClaimType.__args__  # type: ignore[attr-defined]


class Quantity(BaseModel):
    """A number stated in a claim, with its unit when one follows it (``12.5 %`` → 12.5, "%")."""

    value: float
    unit: str | None = None
    text: str = Field(description="the number as written")


VERBATIM_EXTRACTOR = "offline"
"""The extractor whose claims are their paper's sentences, verbatim."""


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

    @property
    def verbatim(self) -> bool:
        """The claim is its paper's sentence, word for word (the offline extractor's claims):
        it is quoted, not checked against its own paper."""
        return self.extractor == VERBATIM_EXTRACTOR


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
