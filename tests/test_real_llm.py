"""The real thing at the LLM seam: llama-cpp-python's server running SmolLM2-135M-Instruct
from PyPI, driven through instructor Mode.TOOLS. The model is tiny, so these tests assert
structure (valid objects, checked quotes, logged calls, the cache), not content."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from synth.claims.extract import extract
from synth.config import load_settings
from synth.llm.client import LLM
from synth.store.db import open_store
from synth.verification.judge import LLMJudgeScorer

from .llama_server import require_llama, start_server
from .test_extract import add_abstract
from .test_judge import FixedScorer

ABSTRACT = ("We introduce TinySum, a distilled summarisation model. TinySum reduces inference "
            "latency by 43% compared with BART while keeping ROUGE-2 within 0.4 points. "
            "However, TinySum fails on documents longer than 4,096 tokens.")


@pytest.fixture(scope="module")
def llama_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = require_llama()
    proc, url = start_server(model, tmp_path_factory.mktemp("llama") / "server.log")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_llm_extractor_against_a_real_llama_cpp_server(llama_url: str) -> None:
    settings = load_settings(llm_base_url=llama_url, llm_model="smollm2", llm_mode="tools")
    with open_store(settings.db_path) as store:
        add_abstract(store, "2401.00001v1", "TinySum", ABSTRACT)
        result = extract(store, settings, "2401.00001v1", "How fast is TinySum?")
        text = store.fulltext("2401.00001v1")
        calls = store.db.execute("SELECT tokens_in, tokens_out, seconds, cost, template "
                                 "FROM llm_calls").fetchall()
        again = extract(store, settings, "2401.00001v1", "How fast is TinySum?")
    s = result.stats
    assert result.extractor == "llm" and s.passages == 1 and not result.problems
    assert s.passed_first_try + s.passed_after_retry == len(result.claims)
    assert s.proposed == len(result.claims) + s.dropped_quote + s.dropped_number + \
        s.dropped_instruction
    for claim in result.claims:  # whatever the model said, what was kept is in the text
        assert text[claim.char_start:claim.char_end] == claim.quote
    assert len(calls) == s.llm_calls >= 1
    assert all(t_in > 0 and t_out > 0 and sec > 0 and cost == 0.0 and tpl == "extract_claims.j2"
               for t_in, t_out, sec, cost, tpl in calls)
    assert again.claims == result.claims and again.stats.cached_calls == 1


def test_llm_judge_against_a_real_llama_cpp_server(llama_url: str) -> None:
    settings = load_settings(llm_base_url=llama_url, llm_model="smollm2", llm_mode="tools")
    scorer = LLMJudgeScorer(FixedScorer(), LLM(settings), top=1)
    probs = scorer.score([("TinySum is faster than BART.", ABSTRACT)])
    assert probs.shape == (1, 3) and abs(float(probs.sum()) - 1.0) < 1e-5


def test_llm_digest_card_against_a_real_llama_cpp_server(llama_url: str) -> None:
    from synth.cards.card import card

    settings = load_settings(llm_base_url=llama_url, llm_model="smollm2", llm_mode="tools")
    with open_store(settings.db_path) as store:
        add_abstract(store, "2401.00003v1", "TinySum", ABSTRACT)
        c = card(store, settings, "2401.00003v1", llm=LLM(settings, store=store))
        text = store.fulltext("2401.00003v1")
    # a 135M model may give no valid card in 3 tries, or no item whose quote checks: then the
    # offline sections stay, said so
    assert c.written_by == "llm:smollm2" or any(
        note.startswith(("the LLM gave no valid card", "the LLM gave no item whose quote"))
        for note in c.notes)
    for line in [*([c.tldr] if c.tldr else []), *c.problem, *c.contributions, *c.findings,
                 *c.limitations]:
        assert text[line.char_start:line.char_end] == line.quote


def test_llm_abstract_against_a_real_llama_cpp_server(llama_url: str) -> None:
    from synth.errors import LLMError
    from synth.report.synthesize import Synthesis, llm_abstract

    from .test_synthesis_llm import ANSWER, CLAIMS

    settings = load_settings(llm_base_url=llama_url, llm_model="smollm2", llm_mode="tools")
    try:
        sentences = llm_abstract(LLM(settings), "Does quantization help?", ANSWER, CLAIMS)
    except LLMError as err:  # a 135M model may give no draft that passes the checks
        assert "no valid Synthesis" in err.message
        return
    drafted = Synthesis.model_validate(
        {"answer": sentences[0].model_dump(), "sentences": [s.model_dump() for s in sentences[1:]]},
        context={"claims": {c.n: c.text for c in CLAIMS}, "verdict": "yes"})
    assert drafted.answer.text.lower().startswith("yes") and drafted.answer.cites


def test_stance_judge_against_a_real_llama_cpp_server(llama_url: str) -> None:
    from synth.answer.judge import CHOICES, LLMJudge

    settings = load_settings(llm_base_url=llama_url, llm_model="smollm2", llm_mode="tools")
    llm = LLM(settings)
    said = llm.choose("stance.j2", CHOICES, question="Is TinySum faster than BART?",
                      results=[ABSTRACT])
    # llama.cpp's server gives log-probabilities: some of the first token's mass is on the words
    assert said.from_logprobs and 0.0 < sum(said.probs.values()) <= 1.0 + 1e-6
    p = LLMJudge(llm).p_yes("Is TinySum faster than BART?", [ABSTRACT])
    assert p is not None and 0.0 < p < 1.0
