from __future__ import annotations

from pathlib import Path

import pytest

from synth.config import load_settings
from synth.errors import ConfigError


def test_default_then_environment_then_argument() -> None:
    assert load_settings(env={"HOME": "/h"}).arxiv_delay == 3.0
    env = {"SYNTH_ARXIV_DELAY": "5", "SYNTH_HOME": "/tmp/lib", "SYNTH_LEXICAL": "rank-bm25"}
    settings = load_settings(env=env)
    assert settings.arxiv_delay == 5.0 and settings.home == Path("/tmp/lib")
    assert settings.lexical == "rank-bm25" and settings.db_path == Path("/tmp/lib/library.db")
    assert load_settings(env=env, home=Path("/other"), arxiv_delay=None).home == Path("/other")


def test_home_defaults_to_xdg_data_home() -> None:
    assert load_settings(env={"XDG_DATA_HOME": "/data"}).home == Path("/data/synth")


@pytest.mark.parametrize("name,value", [("SYNTH_ARXIV_DELAY", "soon"), ("SYNTH_ARXIV_RETRIES", "-1"),
                                        ("SYNTH_LEXICAL", "grep"),
                                        ("SYNTH_LLM_STAGES", "answer,screen")])
def test_bad_values_are_config_errors(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"'{value.split(',')[-1]}'"):
        load_settings(env={name: value})


def test_llm_stages_choose_which_stages_use_the_llm() -> None:
    llm = {"SYNTH_LLM_BASE_URL": "http://127.0.0.1:1/v1", "SYNTH_LLM_MODEL": "m"}
    default = load_settings(env=llm)
    assert all(default.llm_for(s) for s in ("extract", "review", "synthesize"))
    assert not default.llm_for("answer")  # the LLM stance judge is opt-in
    every = load_settings(env={**llm, "SYNTH_LLM_STAGES": "extract,answer,review,synthesize"})
    assert all(every.llm_for(s) for s in ("extract", "answer", "review", "synthesize"))
    only = load_settings(env={**llm, "SYNTH_LLM_STAGES": " answer "})
    assert only.llm_for("answer") and not only.llm_for("extract")
    assert not load_settings(env={"SYNTH_LLM_STAGES": "answer"}).llm_for("answer")  # no LLM
