"""The report record: what ``synth ask`` produces, stores and renders.

These are the typed records of the last stages of the pipeline (they build on the
:class:`~synth.records.verdicts.Verdict` of verification, so they live beside it rather than in
:mod:`synth.records.papers`). ``Report.model_dump_json()`` is the JSON format; its top-level
``claims`` list carries, for each claim, at least ``text``, ``quote``, ``paper_id``, ``page``,
``char_start``, ``char_end``, ``label`` and ``confidence`` (docs/formats.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from synth.records.claims import VERBATIM_EXTRACTOR, ClaimType, Quantity
from synth.records.verdicts import Evidence

Level = Literal["LOW", "MEDIUM", "HIGH"]
DIMENSIONS = ("evidence_strength", "citation_grounding", "uncertainty_disclosure",
              "reproducibility")


class ScreenedPaper(BaseModel):
    """A retrieved paper and whether the relevance screen kept it, with the reason."""

    paper_id: str
    version: int | None
    title: str
    authors: list[str] = []
    published: str | None = None
    similarity: float = Field(description="best cosine of the question and one of its passages")
    kept: bool
    reason: str
    fulltext: Literal["pdf", "metadata"] = "metadata"
    pdf_sha256: str | None = None
    text_sha256: str | None = None


Check = Literal["quoted", "verified", "weak", "unsupported"]


class ReportClaim(BaseModel):
    """One extracted claim with its verdict. ``check`` says how it rests on its own paper:
    ``quoted`` (the paper's sentence, verbatim: its check is against the other papers),
    ``verified`` (a paraphrase its paper supports with at least the stated confidence),
    ``weak`` (supported, below it) or ``unsupported``; ``verified`` is ``check ==
    "verified"``. ``independent`` says whether another kept paper corroborates it (supports
    it, with no number that disagrees) or contests it."""

    n: int = Field(description="number in the report, cited as [Cn]")
    id: str
    text: str
    quote: str
    paper_id: str
    title: str
    page: int | None
    char_start: int
    char_end: int
    claim_type: ClaimType
    numbers: list[Quantity] = []
    label: Literal["supported", "contradicted", "insufficient"]
    confidence: float
    verified: bool
    check: Check | None = Field(None, description="quoted / verified / weak / unsupported; "
                                "None in reports made before synth told them apart")
    grounded: str | None = None
    grounded_confidence: float | None = Field(None, description="confidence of the own "
                                              "paper's verdict (paraphrases only)")
    independent: str | None = None
    evidence: list[Evidence] = []
    extractor: str
    model: str | None = None
    relevance: float | None = Field(None, description="relevance to the question, 0-1 "
                                    "(synth.answer.relevance); None in reports made before it")
    on_point: bool = Field(True, description="relevant enough to count for the answer")
    stance: Literal["for", "against", "neutral"] | None = Field(
        None, description="yes/no questions: does the claim support the question's statement")
    stance_margin: float | None = Field(
        None, description="yes/no questions: 2 P(yes) - 1 of the stance model over this claim "
        "alone, -1 (against) to 1 (for); in reports made before the stance model, the "
        "verifier's entailment minus contradiction")

    @property
    def verbatim(self) -> bool:
        """The claim is its paper's sentence, word for word (see :attr:`Claim.verbatim`)."""
        return self.extractor == VERBATIM_EXTRACTOR

    @property
    def sourced(self) -> bool:
        """Rests on its own paper: quoted verbatim, or a verified paraphrase (in reports made
        before ``check``: an offline claim, or a verified one)."""
        if self.check is not None:
            return self.check in ("quoted", "verified")
        return self.verbatim or self.verified

    @property
    def check_shown(self) -> str:
        """The check as a report shows it: ``quoted``, ``✓ verified 0.83``, ``weak 0.41``,
        ``× unsupported`` (``✓`` / ``×`` in reports made before ``check``)."""
        own = f" {self.grounded_confidence:.2f}" if self.grounded_confidence is not None else ""
        return {"quoted": "quoted", "verified": f"✓ verified{own}", "weak": f"weak{own}",
                "unsupported": "× unsupported"}.get(self.check or "",
                                                    "✓" if self.verified else "×")


class PaperStance(BaseModel):
    """Where one kept paper stands on a yes/no question, from its on-point claims."""

    paper_id: str
    title: str
    stance: Literal["for", "against", "neutral"]
    p_yes: float | None = Field(None, description="the stance model's probability that the "
                                "paper says the statement holds (None in reports made before "
                                "the stance model)")
    strength: float = Field(description="how far the paper leans: |2 P(yes) - 1|, 0-1 (where "
                            "p_yes is None: the deciding claim's entailment minus contradiction)")
    claims: list[int] = Field(description="its on-point claims, the deciding one first")
    judged_by: str = Field("stance model", description="what gave p_yes: 'stance model' "
                           "(synth's fitted model, offline) or 'llm:MODEL' (the LLM judge)")


class JudgeFit(BaseModel):
    """How an LLM judge's score becomes P(yes) for one model and prompt:
    ``P(yes) = sigmoid(scale * z + shift)`` (:mod:`synth.answer.judge_fit`)."""

    model: str
    template_hash: str = Field(description="the hash of the prompt it was fitted with")
    scale: float
    shift: float
    questions: int = Field(description="the labelled yes/no questions it was fitted on")
    file: str = Field(description="the file they came from")
    accuracy: float = Field(description="agreement with the expert answers on those questions "
                            "after the fit, out of fold (yes/no/maybe; the judge never says "
                            "maybe)")
    always_yes: float = Field(description="the same for always answering yes")
    auc: float = Field(description="AUC of the score, yes against no questions")
    date: str


AnswerVerdict = Literal["yes", "no", "mixed", "partly_answered", "not_answered", "findings"]


class Answer(BaseModel):
    """The report's answer to its question, stated first (docs/formats.md)."""

    kind: Literal["yes_no", "open"]
    verdict: AnswerVerdict
    text: str = Field(description="the answer line, citing claims as [Cn]")
    statement: str | None = Field(None, description="yes/no: the statement scored for stance")
    papers_for: list[str] = Field([], description="paper ids whose claims support it")
    papers_against: list[str] = Field([], description="paper ids whose claims contradict it")
    findings: list[int] = Field([], description="open questions: the key findings' claim "
                                "numbers, grouped by aspect")
    covered: list[str] = Field([], description="the question's named things a kept paper "
                               "mentions")
    missing: list[str] = Field([], description="the question's named things no kept paper "
                               "mentions")
    unmentioned: list[str] = Field([], description="the settings and tasks the question names "
                                   "(\"on edge devices\") that no kept paper mentions a word "
                                   "of")
    stances: list[PaperStance] = []
    p_yes: float | None = Field(None, description="yes/no: the papers' P(yes) pooled, each "
                                "weighted by its most relevant on-point claim's relevance")
    cites: list[int] = Field([], description="the claims the answer line rests on")
    judge_fit: JudgeFit | None = Field(None, description="yes/no with an LLM judge: the fit "
                                       "that turned its scores into P(yes), or None (unfitted)")


class Contradiction(BaseModel):
    claim: int = Field(description="the claim number")
    paper_id: str
    quote: str
    page: int | None
    char_start: int
    char_end: int
    contradiction: float


class Review(BaseModel):
    reviewer: str
    kind: Literal["rules", "llm"]
    dimensions: dict[str, Level]
    overall: float = Field(ge=0, le=10)
    rationale: str


class Sentence(BaseModel):
    """A sentence of the synthesis text and the claims it rests on (empty: no fact stated)."""

    text: str
    cites: list[int] = []


class Usage(BaseModel):
    llm_calls: int = 0
    cached_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = 0.0


class Manifest(BaseModel):
    synth: str
    embed_model: str
    verifier: str
    extractor: str
    templates: dict[str, str] = Field(description="template name -> sha256[:16]")
    papers: list[str] = Field(description="paper ids with versions")


class Report(BaseModel):
    id: str = Field(description="stable id of the question and its options")
    version: int = 1
    title: str
    created: str
    question: str
    options: dict = Field({}, description="the run's options: max_papers, source")
    answerable: bool
    answerability: list[str] = Field(description="why the sources do or do not answer it")
    answer: Answer | None = Field(None, description="the answer; None in reports made before "
                                  "synth stated one")
    abstract: list[Sentence]
    methodology: list[str]
    results: dict[str, float | int | None]
    limitations: list[str]
    claims: list[ReportClaim]
    contradictions: list[Contradiction]
    papers: list[ScreenedPaper]
    reviews: list[Review]
    score: float = Field(description="mean of the reviewers' overall scores, 0-10")
    spread: float = Field(description="highest minus lowest reviewer score")
    dimensions: dict[str, Level]
    quality_tier: str
    verification_level: str
    corrections: list[dict] = []
    notes: list[str] = []
    seconds: dict[str, float] = {}
    usage: Usage = Usage()
    manifest: Manifest
