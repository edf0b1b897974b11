"""Records of verification: the evidence sentence each paper offers for a claim, and the
verdict. The two gates below decide which sentences may count at all; they live here because
the records describe them, and :mod:`synth.verification.decide` applies them. This module
imports nothing from synth.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Label = Literal["supported", "contradicted", "insufficient"]
VERDICTS: tuple[Label, ...] = ("supported", "contradicted", "insufficient")
# A passage whose embedding is this far from the claim's does not bear on it, whatever the
# scorer says (on SciFact train, 478 of the 479 gold abstracts retrieved in the top 3 have a
# passage above it).
MIN_SIMILARITY = 0.25
# Nor can a sentence holding less than this share of the claim's content words: the
# cross-encoder otherwise finds support or contradiction in sentences on the same topic that
# say something else. Chosen on Check-COVID (the decider's out-of-fold macro-F1 over 0 to 0.5
# peaks here: 0.445 without the gate, 0.464 with it); on SciFact train it lifts the default
# from 0.499 to 0.524 (training/README.md).
MIN_COVERAGE = 0.3

class Evidence(BaseModel):
    """The best sentence of one paper considered, with that paper's verdict."""

    verdict: Label = "insufficient"
    paper_id: str
    version: int | None
    title: str
    passage_id: str
    page: int | None
    char_start: int = Field(description="span of the quote in the paper's stored full text")
    char_end: int
    quote: str
    entailment: float
    neutral: float
    contradiction: float
    similarity: float = Field(description="cosine of claim and passage embeddings; below "
                              f"{MIN_SIMILARITY} the sentence cannot decide a verdict")
    coverage: float = Field(1.0, description="share of the claim's content words the sentence "
                            f"contains; below {MIN_COVERAGE} it cannot decide a verdict")


class Verdict(BaseModel):
    claim: str
    label: Label
    confidence: float = Field(ge=0, le=1)
    evidence: list[Evidence] = Field(description="best sentence of each paper considered")
    scorer: str
    grounded: Label | None = Field(None, description="the claim's own paper's verdict (its "
                                   "source); 'supported' by construction for a quoted claim")
    grounded_confidence: float | None = Field(None, description="the confidence of that verdict; "
                                              "None for a quoted claim, which is not scored "
                                              "against its own paper")
    independent: Literal["corroborated", "contested", "none"] | None = None
