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
                                        ("SYNTH_LEXICAL", "grep")])
def test_bad_values_are_config_errors(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"'{value}'"):
        load_settings(env={name: value})
