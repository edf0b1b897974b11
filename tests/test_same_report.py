"""The same library and question give the same report, whatever runs it: ``synth ask`` today
gives the report recorded in tests/golden (the bfloat16 one made before the code was
reorganised into stage packages; the float32 one recorded later, on a CPU without bfloat16,
since the verifier's scores differ slightly between the two), and ``synth batch`` and ``synth regenerate`` give the same report and cards as
``synth ask``. Timestamps and timings aside (tests/fingerprint.py).

To record a new golden file after a change that is meant to change reports, run this module
with UPDATE_GOLDEN=1 and commit the file with the change that explains it: once as it is, and
once more with TEST_VERIFIER_FLOAT32=1 too, which runs the verifier in float32 as a CPU
without bfloat16 does (each number format has its file).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.verification.xenc import bf16_is_fast

from .conftest import DATA, PDFS
from .fingerprint import differences, folder_print

BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"
QUESTION = "Does quantization reduce the memory and inference cost of large language models?"
# The verifier runs in bfloat16 where the CPU multiplies it natively, else in float32
# (synth.verification.xenc.bf16_is_fast): the two give slightly different scores, so each
# number format has its own recorded report.
GOLDEN = Path(__file__).with_name("golden") / (
    "ask_quantization.json" if bf16_is_fast() else "ask_quantization-float32.json")
pytestmark = pytest.mark.slow


def synth(home: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--home", str(home), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("same-report")
    rows = [json.loads(line) for line in BIBLE.read_text().splitlines()]
    picked = [r for r in rows if "quantiz" in r["title"].lower()][:20] + rows[:20]
    snapshot = root / "slice.jsonl"
    snapshot.write_text("".join(json.dumps(r) + "\n" for r in picked))
    synth(root / "home", "ingest", "-q", str(snapshot), str(PDFS / "2501.10120v1.pdf"),
          str(PDFS / "2206.10883v3.pdf"))
    return root / "home"


@pytest.fixture(scope="module")
def asked(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("ask-out")
    synth(home, "ask", QUESTION, "--source", "library", "--format", "md,json", "--out",
          str(out), "-q")
    return folder_print(out)


def test_ask_writes_the_report_recorded_before_the_reorganisation(asked):
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(asked, indent=1, sort_keys=True) + "\n")
    want = json.loads(GOLDEN.read_text())
    found = differences(want, asked)
    assert not found, "\n".join(found[:30])
    assert any(name.startswith("cards/") for name in asked), "no digest card written"


def by_kind(prints: dict[str, object]) -> dict[str, object]:
    """Fingerprints keyed by kind of file (``report.json``, ``cards/ID.md``), the report's
    version number left out: a second run stores the next version of the same report."""
    out = {}
    for name, value in prints.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "version"}
        out[re.sub(r"^[0-9a-f]{12}-v\d+", "report", name)] = value
    return out


def test_batch_and_regenerate_write_the_report_and_cards_ask_writes(home, asked, tmp_path):
    batch = tmp_path / "questions.jsonl"
    batch.write_text(json.dumps({"question": QUESTION, "source": "library"}) + "\n")
    synth(home, "batch", str(batch), "--workers", "1", "--out", str(tmp_path / "batch"),
          "--format", "md,json", "-q")
    report_id = next(n for n in asked if n.endswith(".json")).split("-v")[0]
    synth(home, "regenerate", report_id, "--from-stage", "retrieve", "--out",
          str(tmp_path / "regenerate"), "--format", "md,json", "-q")
    want = by_kind(asked)
    for run in ("batch", "regenerate"):
        found = differences(want, by_kind(folder_print(tmp_path / run)))
        assert not found, f"synth {run}: " + "\n".join(found[:30])
