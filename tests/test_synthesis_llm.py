"""The LLM writer and the LLM reviewer at the scripted LLM seam: their answers are checked in
code (citations exist, no uncited fact, the score ceiling holds)."""

from __future__ import annotations

import json

import pytest

from synth.config import load_settings
from synth.errors import LLMError
from synth.llm.client import LLM
from synth.records.reports import Answer, ReportClaim
from synth.report.review import CEILING_UNANSWERED, facts, llm_review
from synth.report.synthesize import llm_abstract

from .llm_server import ScriptedLLM

CLAIMS = [ReportClaim(n=n, id=str(n), text=text, quote=text, paper_id="2401.00001v1",
                      title="T", page=None, char_start=0, char_end=len(text),
                      claim_type="finding", label="supported", confidence=0.8, verified=True,
                      grounded="supported", independent="none", extractor="offline")
          for n, text in [(1, "4-bit quantization cuts memory by 70%."),
                          (2, "Quantized models lose 1 point of accuracy.")]]


ANSWER = Answer(kind="yes_no", verdict="yes", text="Yes: 1 paper supports it: T [C1].",
                cites=[1])
UNANSWERED = Answer(kind="yes_no", verdict="not_answered", text="Not answered.")


def llm(url: str) -> LLM:
    return LLM(load_settings(llm_base_url=url, llm_model="scripted"))


def test_llm_abstract_is_checked_and_re_asked_until_citations_hold() -> None:
    with ScriptedLLM() as server:
        server.reply_tool("Synthesis", {"sentences": [
            {"text": "Quantization cuts memory by 70%.", "cites": [9]}]})
        server.reply_tool("Synthesis", {"sentences": [
            {"text": "Quantization cuts memory by 70% at a small accuracy cost.",
             "cites": [1, 2]}, {"text": "Whether speed improves is not shown.", "cites": []}]})
        sentences = llm_abstract(llm(server.url), "Does quantization help?", ANSWER, CLAIMS)
    assert [s.cites for s in sentences] == [[1], [1, 2], []]
    assert sentences[0].text == ANSWER.text
    assert "not claims in the list" in json.dumps(server.requests[1]["messages"])


def test_llm_abstract_with_an_uncited_fact_fails_after_re_asking() -> None:
    with ScriptedLLM() as server:
        server.reply_tool("Synthesis", {"sentences": [
            {"text": "Quantization reduces memory by 70%.", "cites": []}]})
        with pytest.raises(LLMError, match="no valid Synthesis"):
            llm_abstract(llm(server.url), "Does quantization help?", ANSWER, CLAIMS)
    assert "cites no claim" in json.dumps(server.requests[-1]["messages"])


def test_llm_reviewer_is_capped_when_the_sources_do_not_answer() -> None:
    found = facts([], [], {}, UNANSWERED, calibrated=True)
    with ScriptedLLM() as server:
        server.reply_tool("LLMReview", {
            "evidence_strength": "HIGH", "citation_grounding": "HIGH",
            "uncertainty_disclosure": "HIGH", "reproducibility": "HIGH", "overall": 9.5,
            "rationale": "Looks great."})
        review = llm_review(llm(server.url), "Does quantization help?", found, [])
    assert review.kind == "llm" and review.reviewer == "llm:scripted"
    assert review.overall == CEILING_UNANSWERED and review.dimensions["reproducibility"] == "HIGH"
