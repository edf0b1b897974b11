"""synth ask's retrieval stage: papers and passages for a question, arXiv or not."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.config import load_settings
from synth.errors import ArxivUnavailable, EmptyLibrary
from synth.library.ingest import ingest
from synth.search.retrieve import ask
from synth.store.db import open_store

from .arxiv_server import serve_arxiv, unused_port
from .conftest import DATA, PDFS

QUESTION = "Can LLM agents search academic papers better than Google Scholar?"


def down_settings(tmp_path):
    return load_settings(env={}, home=tmp_path, arxiv_delay=0.01, arxiv_retries=1,
                         arxiv_api_url=f"http://127.0.0.1:{unused_port()}/api/query")


def test_ask_falls_back_to_the_library_when_arxiv_is_down(tmp_path, embedder) -> None:
    settings = down_settings(tmp_path)
    with open_store(settings.db_path) as store:
        ingest(store, settings, [str(PDFS / "2501.10120v1.pdf"), str(PDFS / "1111.2011v2.pdf")])
        answer = ask(store, settings, embedder, QUESTION, max_papers=2)
    assert "arXiv could not be reached" in answer.notes[0]
    assert answer.papers[0].paper_id == "2501.10120v1"
    assert all(h.paper_id == "2501.10120v1" and h.page for h in answer.papers[0].passages)
    with open_store(settings.db_path) as store, pytest.raises(ArxivUnavailable):
        ask(store, settings, embedder, QUESTION, source="arxiv")


def test_ask_ingests_from_arxiv_then_answers(tmp_path, embedder) -> None:
    with serve_arxiv() as server:
        settings = load_settings(env={}, home=tmp_path, arxiv_delay=0.01,
                                 arxiv_api_url=server.api_url, arxiv_pdf_url=server.pdf_url)
        with open_store(settings.db_path) as store:
            answer = ask(store, settings, embedder, "au:del_maestro AND ti:checkerboard",
                         source="arxiv", max_papers=1)
    assert answer.notes[0].startswith("arXiv: 1 new papers")
    assert len(answer.papers) == 1 and answer.papers[0].passages


def test_ask_on_empty_library_says_how_to_ingest(tmp_path, embedder) -> None:
    with open_store(tmp_path / "lib.db") as store, pytest.raises(EmptyLibrary, match="synth ingest"):
        ask(store, down_settings(tmp_path), embedder, QUESTION, source="library")


def test_cli_ask_on_one_pdf_writes_a_report_resting_on_that_paper(tmp_path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "-q", str(PDFS / "2501.10120v1.pdf")]).exit_code == 0
    result = runner.invoke(cli, ["ask", "-q", "--source", "library", "--out", str(tmp_path),
                                 "--format", "md", QUESTION])
    assert result.exit_code == 0, result.output
    assert "The answer rests on a single paper" in result.output
    [md] = tmp_path.glob("*.md")
    assert "PaSa: An LLM Agent for Comprehensive Academic Paper Search" in md.read_text()


def test_arxiv_down_and_empty_library_says_both_in_one_line(tmp_path, embedder) -> None:
    with open_store(tmp_path / "lib.db") as store, pytest.raises(EmptyLibrary) as err:
        ask(store, down_settings(tmp_path), embedder, QUESTION, source="both")
    assert str(err.value).startswith("arXiv could not be reached")
    assert "synth ingest" in str(err.value) and "\n" not in str(err.value)


def test_cli_ask_prints_the_answer_line_with_latex_as_text(tmp_path) -> None:
    # a real abstract that writes "15.81\(\times\)": the printed line reads 15.81×, as the
    # report files do, while the stored quote keeps the text as written
    bible = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"
    [line] = [x for x in bible.read_text().splitlines() if '"2502.13533"' in x]
    snapshot = tmp_path / "one.jsonl"
    snapshot.write_text(line + "\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "-q", str(snapshot)]).exit_code == 0
    result = runner.invoke(cli, ["ask", "-q", "--source", "library", "--out", str(tmp_path),
                                 "--format", "json", "How does QLoRAM reduce the memory of LoRA "
                                 "training of large language models?"])
    assert result.exit_code == 0, result.output
    answer_line = result.output.splitlines()[0]
    assert "15.81×" in answer_line and "\\(" not in answer_line
    [report] = tmp_path.glob("*.json")
    quotes = [c["quote"] for c in json.loads(report.read_text())["claims"]]
    assert any("15.81" in q and "times" in q and "×" not in q for q in quotes)
