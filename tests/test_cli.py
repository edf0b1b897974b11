"""The CLI end to end on a real library: help texts, one-line errors and exit codes, JSON output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from synth.cli import cli

from .conftest import PDFS
from .test_snapshot import CSCL_2026

README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = README.read_text()
    for name, command in cli.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0 and command.help, name
        assert re.search(rf"synth {name}\b", readme), f"README does not show synth {name}"


def test_search_on_empty_library_is_one_line_error_with_exit_code() -> None:
    result = run("search", "anything")
    assert result.exit_code == 7
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert "synth ingest" in result.output


def test_bad_setting_is_a_config_error() -> None:
    result = run("library", env={"SYNTH_LEXICAL": "grep"})
    assert result.exit_code == 2 and "unknown lexical backend 'grep'" in result.output


def test_unknown_item_fails_alone_and_exits_nonzero(tmp_path: Path) -> None:
    result = run("ingest", "--no-embed", "-q", "../../x", str(CSCL_2026))
    assert result.exit_code == 1
    assert "added 500" in result.output and "'../../x': not a file, folder or arXiv id" in result.output


def test_ingest_search_library_json_round_trip(home_with_pdfs: None) -> None:
    hits = json.loads(run("search", "--json", "--top", "3", "citation graph of scientific papers").output)
    assert len(hits) == 3
    assert set(hits[0]) >= {"paper_id", "version", "title", "page", "char_start", "char_end",
                            "text", "score"}
    lib = json.loads(run("library", "--json").output)
    assert lib["papers"] == 2 and lib["by_source"] == {"pdf": 2}


def test_search_queries_file_gives_json_lines(home_with_pdfs: None, tmp_path: Path) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("quantum criticality on a Bethe lattice\n\nlarge connectivity limit\n")
    lines = run("search", "--queries", str(queries), "--top", "2").output.splitlines()
    assert [json.loads(line)["query"] for line in lines] == [
        "quantum criticality on a Bethe lattice", "large connectivity limit"]
    assert json.loads(lines[0])["hits"][0]["paper_id"] == "1111.2011v2"


@pytest.fixture
def home_with_pdfs() -> None:
    result = run("ingest", "-q", str(PDFS / "1111.2011v2.pdf"),
                 str(PDFS / "acl-N18-3011_arXiv-1805.02262.pdf"))
    assert result.exit_code == 0, result.output


def test_a_malformed_batch_line_is_a_user_input_error_naming_the_line(tmp_path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text('Does LoRA match full fine-tuning?\n{"question": "Why?", "max_papers": 0}\n')
    result = run("batch", str(batch))
    assert result.exit_code == 9 and result.output.count("\n") == 1
    assert result.output.startswith(f"error: {batch}:2: max_papers:")
    unknown = run("regenerate", "abc", "--from-stage", "render")
    assert unknown.exit_code == 9 and "no report 'abc'" in unknown.output
