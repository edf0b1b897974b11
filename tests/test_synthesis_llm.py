"""The LLM writer and the LLM reviewer at the scripted LLM seam: their answers are checked in
code (the answer states the stance table's verdict, citations exist, no uncited fact, no
number its claims do not state, the score ceiling holds). ``tests/test_real_llm.py`` runs the
writer against a real llama.cpp server."""

from __future__ import annotations

import json

import pytest

from synth.config import load_settings
from synth.errors import LLMError
from synth.llm.client import LLM
from synth.records.reports import Answer, PaperStance, ReportClaim
from synth.report.review import CEILING_UNANSWERED, facts, llm_review
from synth.report.synthesize import llm_abstract, stated_verdict

from .llm_server import ScriptedLLM

CLAIMS = [ReportClaim(n=n, id=str(n), text=text, quote=text, paper_id="2401.00001v1",
                      title="T", page=None, char_start=0, char_end=len(text),
                      claim_type="finding", label="supported", confidence=0.8, verified=True,
                      grounded="supported", independent="none", extractor="offline")
          for n, text in [(1, "4-bit quantization cuts memory by 70%."),
                          (2, "Quantized models lose 1 point of accuracy.")]]


ANSWER = Answer(kind="yes_no", verdict="yes", text="Yes: 1 paper supports it: T [C1].",
                statement="Quantization helps.", papers_for=["2401.00001v1"], cites=[1],
                unmentioned=["edge devices"],
                stances=[PaperStance(paper_id="2401.00001v1", title="T", stance="for",
                                     strength=0.6, claims=[1])])
UNANSWERED = Answer(kind="yes_no", verdict="not_answered", text="Not answered.")


def llm(url: str) -> LLM:
    return LLM(load_settings(llm_base_url=url, llm_model="scripted"))


def test_llm_abstract_is_checked_and_re_asked_until_citations_hold() -> None:
    with ScriptedLLM() as server:
        server.reply_tool("Synthesis", {
            "answer": {"text": "No: quantization cuts memory by 80%.", "cites": [1]},
            "sentences": [{"text": "Quantization cuts memory by 70%.", "cites": [9]}]})
        server.reply_tool("Synthesis", {
            "answer": {"text": "Yes: 4-bit quantization cuts memory by 70%.", "cites": [1]},
            "sentences": [{"text": "Quantization cuts memory by 70% at a small accuracy cost.",
                           "cites": [1, 2]},
                          {"text": "Whether speed improves is not shown.", "cites": []}]})
        sentences = llm_abstract(llm(server.url), "Does quantization help?", ANSWER, CLAIMS)
    assert [s.cites for s in sentences] == [[1], [1, 2], []]
    assert sentences[0].text.startswith("Yes: 4-bit")
    asked = json.dumps(server.requests[0]["messages"])
    assert "verdict: yes" in asked and "paper 2401.00001v1: for, claims 1" in asked
    assert "no kept paper mentions: edge devices" in asked  # a setting no paper mentions
    again = json.dumps(server.requests[1]["messages"])
    assert "not claims in the list" in again
    assert "must open with" in again and "80%, which its cited claims do not" in again


def test_llm_abstract_with_an_uncited_fact_fails_after_re_asking() -> None:
    with ScriptedLLM() as server:
        server.reply_tool("Synthesis", {
            "answer": {"text": "Yes: quantization helps.", "cites": [1]},
            "sentences": [{"text": "Quantization reduces memory by 70%.", "cites": []}]})
        with pytest.raises(LLMError, match="no valid Synthesis"):
            llm_abstract(llm(server.url), "Does quantization help?", ANSWER, CLAIMS)
    assert "cites no claim" in json.dumps(server.requests[-1]["messages"])


def test_an_open_question_is_answered_with_findings_not_a_verdict() -> None:
    open_answer = Answer(kind="open", verdict="findings", text="Key findings: (1) ... [C1].",
                         findings=[1, 2], cites=[1, 2])
    with ScriptedLLM() as server:
        server.reply_tool("Synthesis", {
            "answer": {"text": "Yes, it cuts memory.", "cites": [1]}, "sentences": []})
        server.reply_tool("Synthesis", {
            "answer": {"text": "4-bit quantization cuts memory by 70% and costs 1 point of "
                               "accuracy.", "cites": [1, 2]}, "sentences": []})
        sentences = llm_abstract(llm(server.url), "What does quantization do?", open_answer,
                                 CLAIMS)
    assert [s.cites for s in sentences] == [[1, 2]]
    assert "findings, not a verdict" in json.dumps(server.requests[1]["messages"])
    assert "key finding, claims 1, 2" in json.dumps(server.requests[0]["messages"])


def test_stated_verdict_reads_the_opening_words() -> None:
    assert stated_verdict("Yes: two papers support it") == "yes"
    assert stated_verdict("No, it does not") == "no"
    assert stated_verdict("Partly answered: the kept papers ...") == "partly_answered"
    assert stated_verdict("Mixed: ...") == "mixed"
    assert stated_verdict("Leans no: 1 paper contradicts it") == "no"
    assert stated_verdict("Notably, quantization helps") is None


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
