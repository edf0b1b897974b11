"""Digest cards for the 11 real PDFs: every line's quote sits at its span, numbers parsed match
the text, entities a reader sees in the abstract are found (pinned by hand below)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from synth.cards.card import card
from synth.cli import cli
from synth.config import load_settings
from synth.library.ingest import ingest
from synth.parsing.chunk import metadata_text
from synth.parsing.numbers import quantities
from synth.records.cards import Card, CardLine
from synth.records.papers import Paper
from synth.report.render import render_card
from synth.store.db import open_store

from .conftest import PDFS


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Card]]:
    home = tmp_path_factory.mktemp("digest") / "home"
    settings = load_settings(env={}, home=home)
    with open_store(settings.db_path) as store:
        ingest(store, settings, [str(PDFS)])
        return home, {pid: card(store, settings, pid) for pid in store.paper_ids()}


def lines(c: Card) -> list[CardLine]:
    return ([c.tldr] if c.tldr else []) + c.problem + c.contributions + c.findings + \
        c.limitations + c.reproducibility + [r.line for r in c.results] + \
        [e.first for e in c.entities]


def test_every_line_of_every_card_is_its_quote_at_its_span(cards) -> None:
    home, by_id = cards
    assert len(by_id) == 11
    with open_store(home / "library.db") as store:
        for pid, c in by_id.items():
            text = store.fulltext(pid)
            for line in lines(c):
                assert text[line.char_start:line.char_end] == line.quote
                assert line.numbers == quantities(line.text)
                for q in line.numbers:
                    assert q.text in line.text
            for r in c.results:
                assert r.value in r.line.numbers
                assert r.metric.lower().split("@")[0] in r.line.text.lower()
            sections = ([c.tldr] if c.tldr else []) + c.problem + c.contributions + \
                c.findings + c.limitations + c.reproducibility
            spans = [(x.char_start, x.char_end) for x in sections]
            assert len(spans) == len(set(spans)), f"{pid}: a sentence in two sections"


def test_entities_and_results_a_reader_sees_are_found(cards) -> None:
    _, by_id = cards
    names = {pid: {e.name for e in c.entities} for pid, c in by_id.items()}
    assert {"GPT-4o", "AutoScholarQuery", "RealScholarQuery", "Google Scholar"} <= names["2501.10120v1"]
    assert {"BART", "PEGASUS", "LED", "PRIMERA"} <= names["2206.10883v3"]
    assert {"SciBERT", "BERT"} <= names["1903.10676"]
    assert {"SPECTER", "SciBERT"} <= names["2004.07180"]
    pasa = by_id["2501.10120v1"]
    assert ("recall@20", 37.78, "%") in {(r.metric, r.value.value, r.value.unit)
                                         for r in pasa.results}
    assert pasa.contributions[0].text.startswith("We introduce PaSa")
    assert any("github.com/bytedance/pasa" in x.text for x in pasa.reproducibility)
    assert pasa.completeness == 1.0


def test_sections_the_paper_does_not_support_are_left_out(cards) -> None:
    _, by_id = cards
    physics = by_id["0908.0054v1"]
    assert physics.results == [] and not physics.completeness_signals["results"]
    md = render_card(physics, "md")
    assert "## Results" not in md and "results ×" in md
    assert physics.completeness == sum(physics.completeness_signals.values()) / 8


def abstract_card(pid: str, title: str, abstract: str) -> Card:
    """The card of a metadata-only paper with this abstract, in the default library."""
    settings = load_settings()
    paper = Paper(id=pid, base_id=pid.split("v")[0], title=title, source="snapshot",
                  abstract=abstract)
    with open_store(settings.db_path) as store:
        store.save_paper(paper, metadata_text(paper))
        return card(store, settings, paper.id)


def test_an_abstract_of_plain_counts_still_gets_its_tldr_and_findings() -> None:
    # no sentence reads as a claim (no result verb, no comparison), but two state numbers
    c = abstract_card("pmid15954832", "", "The aim of this paper is to report an initial "
                      "experience with miniTAPP. It seems to be moving toward mini-instruments "
                      "(5 mm or less in diameter). A total of 303 patients underwent a miniTAPP "
                      "procedure between 2000 and 2003. No conversions to an open approach were "
                      "required. There were no major complications, while minor complications "
                      "ranged as high as 0.3%.")
    assert c.tldr is not None and c.tldr.text.startswith("There were no major complications")
    assert [f.text for f in c.findings] == [
        "It seems to be moving toward mini-instruments (5 mm or less in diameter).",
        "A total of 303 patients underwent a miniTAPP procedure between 2000 and 2003."]
    assert not any("aim of this paper" in f.text for f in c.findings)


def test_users_extend_the_entity_lexicon() -> None:
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "entities.json").write_text(json.dumps({"model": ["TinySum"]}))
    paper = Paper(id="2401.00001v1", base_id="2401.00001", version=1,
                  title="<script>alert(1)</script> TinySum", source="snapshot",
                  abstract="We introduce TinySum, a distilled summariser. TinySum reduces "
                  "latency by 43% compared with BART. However, TinySum fails on long inputs.")
    with open_store(settings.db_path) as store:
        store.save_paper(paper, metadata_text(paper))
        c = card(store, settings, paper.id)
    assert {"TinySum", "BART"} <= {e.name for e in c.entities}
    assert c.read_from == "metadata" and c.limitations and c.tldr
    html = render_card(c, "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_cli_digest_prints_and_writes_every_format(cards, tmp_path) -> None:
    home, _ = cards
    env = {"SYNTH_HOME": str(home)}
    shown = CliRunner().invoke(cli, ["digest", "2501.10120v1"], env=env)
    assert shown.exit_code == 0 and shown.output.startswith("# PaSa")
    out = CliRunner().invoke(cli, ["digest", "2501.10120v1", "--format", "md,html,json",
                                   "--out", str(tmp_path)], env=env)
    assert out.exit_code == 0
    data = json.loads((tmp_path / "2501.10120v1.json").read_text())
    assert data["tldr"]["char_end"] > data["tldr"]["char_start"]
    missing = CliRunner().invoke(cli, ["digest", "nope"], env=env)
    assert missing.exit_code == 4


def test_llm_written_sections_keep_only_items_whose_quotes_check() -> None:
    from synth.llm.client import LLM

    from .llm_server import ScriptedLLM

    settings_plain = load_settings()
    paper = Paper(id="2401.00002v1", base_id="2401.00002", version=1, title="TinySum",
                  source="snapshot", abstract="We introduce TinySum, a distilled summariser. "
                  "TinySum reduces latency by 43% compared with BART. It also reduces memory use by "
                  "30% compared with BART. However, TinySum fails "
                  "on inputs longer than 4,096 tokens.")
    item = lambda text, quote: {"text": text, "quote": quote}  # noqa: E731
    with ScriptedLLM() as server, open_store(settings_plain.db_path) as store:
        store.save_paper(paper, metadata_text(paper))
        server.reply_tool("LLMCard", {
            "tldr": item("TinySum is 43% faster than BART.",
                         "TinySum reduces latency by 43% compared with BART."),
            "contributions": [item("A distilled summariser.", "We introduce TinySum")],
            "findings": [item("TinySum is 60% faster.", "TinySum reduces latency by 43%"),
                         item("TinySum is accurate.", "TinySum matches BART on ROUGE")],
            "limitations": [item("Long inputs fail.", "fails on inputs longer than 4,096 tokens")]})
        llm = LLM(load_settings(llm_base_url=server.url, llm_model="scripted"), store=store)
        c = card(store, settings_plain, paper.id, llm=llm)
        text = store.fulltext(paper.id)
    assert c.written_by == "llm:scripted" and c.dropped == 2  # an invented number, a bad quote
    assert c.tldr.quote == "TinySum reduces latency by 43% compared with BART."
    assert [x.text for x in c.contributions] == ["A distilled summariser."]
    assert len(c.limitations) == 1 and c.limitations[0].text == "Long inputs fail."
    # both LLM findings failed their checks, so the findings are the offline ones, said so
    assert c.findings and all(x.text == x.quote for x in c.findings)
    assert c.tldr.quote not in {x.quote for x in c.findings}  # no sentence in two sections
    assert c.notes == ["the LLM gave no checked item for findings; that section is the "
                       "offline one"]
    for line in lines(c):
        assert text[line.char_start:line.char_end] == line.quote
    assert len(server.requests) == 3  # the bad quote was sent back twice
    with ScriptedLLM() as server, open_store(settings_plain.db_path) as store:
        server.reply_tool("LLMCard", {"tldr": None, "problem": [], "findings": []})
        llm = LLM(load_settings(llm_base_url=server.url, llm_model="lazy"), store=store)
        lazy = card(store, settings_plain, paper.id, llm=llm)
    assert lazy.written_by == "offline" and lazy.tldr and lazy.findings
    assert lazy.notes == ["the LLM gave no item whose quote is in the text; the sections are "
                          "the offline ones"]
    for fmt in ("md", "html"):  # the note and who wrote the card show in every format
        shown = render_card(lazy, fmt)
        assert "written by offline" in shown and "the sections are the offline ones" in shown
    no_llm = CliRunner().invoke(cli, ["digest", paper.id, "--llm"])
    assert no_llm.exit_code == 2 and "SYNTH_LLM_BASE_URL" in no_llm.output


def test_digest_of_an_arxiv_paper_not_yet_in_the_library_fetches_it(tmp_path) -> None:
    from .arxiv_server import serve_arxiv

    with serve_arxiv() as server:
        env = {"SYNTH_HOME": str(tmp_path / "h"), "SYNTH_ARXIV_API_URL": server.api_url,
               "SYNTH_ARXIV_PDF_URL": server.pdf_url, "SYNTH_ARXIV_DELAY": "0.01"}
        result = CliRunner().invoke(cli, ["digest", "1111.2011v2", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    c = json.loads(result.output)
    assert c["paper_id"] == "1111.2011v2" and c["read_from"] == "pdf" and c["authors"]
    with open_store(tmp_path / "h" / "library.db") as store:
        text = store.fulltext("1111.2011v2")
    assert text[c["tldr"]["char_start"]:c["tldr"]["char_end"]] == c["tldr"]["quote"]


def test_findings_are_results_and_the_problem_may_be_the_field_s() -> None:
    c = abstract_card("2504.08850v1", "SpecEE", "Large Language Model (LLM) services often "
                      "face challenges in achieving low inference latency under dynamic request "
                      "patterns. In this paper, we present SpecEE, a fast LLM inference engine "
                      "with speculative early exiting. At the algorithm level, we propose a "
                      "lightweight predictor design that exploits the parallelism of GPUs. "
                      "Extensive experiments show that SpecEE achieves 2.25x speedup with "
                      "Llama2-7B on cloud scenarios. SpecEE also uses 10% less memory than EAGLE "
                      "on the same models.")
    assert [p.text[:27] for p in c.problem] == ["Large Language Model (LLM) "]  # not a claim
    assert not any("we propose" in f.text for f in c.findings)  # a method, not a finding
    assert any("we propose" in x.text for x in c.contributions)
    assert [f.text[:10] for f in c.findings] == ["SpecEE als"]  # the other result is the TLDR
