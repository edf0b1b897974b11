"""Ingesting from arXiv through the real `arxiv` client against a loopback server that replays
real arXiv API responses and serves real PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.config import Settings, load_settings
from synth.errors import ArxivUnavailable
from synth.library.ingest import ingest
from synth.store.db import Store, open_store

from .arxiv_server import serve_arxiv, unused_port


@pytest.fixture
def server():
    with serve_arxiv() as s:
        yield s


def settings_for(tmp_path: Path, api_url: str, pdf_url: str) -> Settings:
    return load_settings(env={}, home=tmp_path / "home", arxiv_api_url=api_url,
                         arxiv_pdf_url=pdf_url, arxiv_delay=0.01, arxiv_retries=2)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "home" / "library.db") as s:
        yield s


def test_arxiv_id_is_stored_with_its_pdf_text_and_never_fetched_twice(server, tmp_path, store) -> None:
    settings = settings_for(tmp_path, server.api_url, server.pdf_url)
    report = ingest(store, settings, ["1111.2011v2"])
    assert report.added == ["1111.2011v2"] and not report.failed
    paper = store.get_paper("1111.2011v2")
    assert paper.source == "arxiv" and paper.version == 2 and len(paper.pdf_sha256) == 64
    assert paper.title.startswith("Quantum Criticality for Extended Nodes on a Bethe Lattice")
    assert store.paper_state(paper.id)[1] == "pdf" and store.counts()["passages"] > 20
    seen = len(server.requests)
    again = ingest(store, settings, ["1111.2011v2", "arXiv:1111.2011v2"])
    assert again.unchanged == ["1111.2011v2", "1111.2011v2"] and len(server.requests) == seen


def test_unknown_and_malformed_ids_fail_alone(server, tmp_path, store) -> None:
    settings = settings_for(tmp_path, server.api_url, server.pdf_url)
    report = ingest(store, settings, ["0000.0000", "../../x", "1111.2011v2"])
    assert report.added == ["1111.2011v2"]
    assert report.failed == ["'../../x': not a file, folder or arXiv id; give e.g. 2106.09685v2, "
                             "papers.jsonl or a folder of PDFs",
                             "0000.0000: arXiv has no such paper; check the id"]
    assert not list((tmp_path / "home" / "pdfs").glob("*x*"))


def test_missing_pdf_keeps_the_abstract_and_says_so(server, tmp_path, store) -> None:
    settings = settings_for(tmp_path, server.api_url, server.pdf_url)
    report = ingest(store, settings, ["astro-ph/0601001"])  # the loopback has no such PDF
    [paper_id] = report.added
    assert paper_id.startswith("astro-ph/0601001v") and "stored its abstract only" in report.failed[0]
    assert store.paper_state(paper_id)[1] == "metadata" and store.fulltext(paper_id)


def test_network_down_is_one_clear_error_and_stored_work_stays(server, tmp_path, store) -> None:
    settings = settings_for(tmp_path, server.api_url, server.pdf_url)
    ingest(store, settings, ["1111.2011v2"])
    down = settings_for(tmp_path, f"http://127.0.0.1:{unused_port()}/api/query", server.pdf_url)
    with pytest.raises(ArxivUnavailable, match="connection refused") as err:
        ingest(store, down, ["1605.08386"])
    assert "SYNTH_ARXIV_API_URL" in str(err.value) and "\n" not in str(err.value)
    assert store.counts()["papers"] == 1
    assert ingest(store, down, ["1111.2011v2"]).unchanged == ["1111.2011v2"]  # offline: no request


def test_interrupted_pdf_downloads_resume_where_they_stopped(server, tmp_path, store) -> None:
    settings = settings_for(tmp_path, server.api_url, server.pdf_url)
    server.fail_next(503, times=3, skip=2)  # metadata and one PDF pass; the next PDF fails 1 + 2 retries
    with pytest.raises(ArxivUnavailable):
        ingest(store, settings, ["1111.2011v2", "1605.08386"])
    assert [r[0] for r in store.db.execute("SELECT id FROM papers")] == ["1111.2011v2"]
    report = ingest(store, settings, ["1111.2011v2", "1605.08386"])
    assert report.unchanged == ["1111.2011v2"] and report.added[0].startswith("1605.08386v")


def test_cli_query_ingest_against_loopback(server, tmp_path: Path) -> None:
    env = {"SYNTH_ARXIV_API_URL": server.api_url, "SYNTH_ARXIV_PDF_URL": server.pdf_url,
           "SYNTH_ARXIV_DELAY": "0.01"}
    result = CliRunner().invoke(cli, ["ingest", "--query", "au:del_maestro", "--max", "10",
                                      "--no-pdf", "--no-embed", "-q"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("added 10, unchanged 0, failed 0")
    down = {**env, "SYNTH_ARXIV_API_URL": f"http://127.0.0.1:{unused_port()}/api/query",
            "SYNTH_ARXIV_RETRIES": "1"}
    result = CliRunner().invoke(cli, ["ingest", "1605.08386", "-q"], env=down)
    assert result.exit_code == 4 and result.output.startswith("error: arXiv did not answer")
    assert result.output.count("\n") == 1


def test_metadata_only_then_local_pdf_keeps_arxiv_metadata(server, tmp_path, store) -> None:
    from .conftest import PDFS

    settings = settings_for(tmp_path, server.api_url, server.pdf_url)
    assert ingest(store, settings, ["1111.2011v2"], with_pdf=False).added == ["1111.2011v2"]
    seen = len(server.requests)
    assert ingest(store, settings, ["1111.2011v2"], with_pdf=False).unchanged == ["1111.2011v2"]
    assert len(server.requests) == seen and store.paper_state("1111.2011v2")[1] == "metadata"
    assert ingest(store, settings, [str(PDFS / "1111.2011v2.pdf")]).added == ["1111.2011v2"]
    paper = store.get_paper("1111.2011v2")
    assert paper.source == "arxiv" and paper.authors and paper.pdf_sha256
    assert paper.title.startswith("Quantum Criticality") and store.paper_state(paper.id)[1] == "pdf"
