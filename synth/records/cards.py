"""Records of a paper's digest card (``synth digest``): quoted lines with their spans, result
rows, named entities, and the card. This module imports only :mod:`synth.records.claims`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from synth.records.claims import Quantity

EntityKind = Literal["model", "metric", "dataset", "benchmark"]


class CardLine(BaseModel):
    text: str
    quote: str = Field(description="the paper's stored full text at char_start:char_end")
    page: int | None
    char_start: int
    char_end: int
    numbers: list[Quantity] = []


class ResultRow(BaseModel):
    metric: str
    value: Quantity
    baseline: Quantity | None = None
    dataset: str | None = None
    line: CardLine


class Entity(BaseModel):
    name: str
    kind: EntityKind
    mentions: int
    first: CardLine


class Card(BaseModel):
    paper_id: str
    version: int | None
    title: str
    authors: list[str] = []
    published: str | None = None
    updated: str | None = None
    categories: list[str] = []
    licence: str | None = None
    read_from: Literal["pdf", "metadata"]
    tldr: CardLine | None = None
    problem: list[CardLine] = []
    contributions: list[CardLine] = []
    findings: list[CardLine] = []
    results: list[ResultRow] = []
    limitations: list[CardLine] = []
    entities: list[Entity] = []
    reproducibility: list[CardLine] = []
    completeness: float = Field(description="share of the 8 sections with a quoted line")
    completeness_signals: dict[str, bool]
    written_by: str = Field("offline", description="'offline', or 'llm:MODEL' for the TLDR, "
                            "problem, contributions, findings and limitations")
    dropped: int = Field(0, description="LLM items dropped: quote not in the text, or a "
                         "number the quote does not state")
    notes: list[str] = []
