"""synth ask end to end, offline: retrieve, screen, extract, verify, review, render, store.

One library per module: two real PDFs plus a slice of the LLM-Bible abstracts (read in place
from ../shared/data and written to a temp snapshot file), embedded once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.config import load_settings
from synth.library.ingest import ingest
from synth.pipeline.run import run_ask
from synth.records.options import RunOptions
from synth.records.reports import Report
from synth.report.render import render
from synth.report.review import CEILING_UNANSWERED
from synth.store.db import open_store

from .conftest import DATA, PDFS
from .llama_server import free_port

BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"
SCHOLARQA = DATA / "scholarqabench" / "data" / "scholarqa_cs" / "test_configs_snippets.json"
QUESTION = "Does quantization reduce the memory and inference cost of large language models?"
EVIL_TITLE = "<script>alert(1)</script> Quantized LLM inference"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    from synth.search.embed import embed_missing

    root = tmp_path_factory.mktemp("ask-home")
    rows = [json.loads(line) for line in BIBLE.read_text().splitlines()]
    picked = [r for r in rows if "quantiz" in r["title"].lower()][:30] + rows[:60]
    picked.append({"arxiv_id": "2499.00001", "title": EVIL_TITLE, "authors": "A. Tester",
                   "abstract": "Quantization to 4 bits reduces the memory of large language "
                   "models by 70% compared with 16-bit weights. It lowers inference cost."})
    snapshot = root / "slice.jsonl"
    snapshot.write_text("".join(json.dumps(r) + "\n" for r in picked))
    settings = load_settings(env={}, home=root / "home")
    with open_store(settings.db_path) as store:
        ingest(store, settings, [str(snapshot), str(PDFS / "2501.10120v1.pdf"),
                                 str(PDFS / "2206.10883v3.pdf")])
        embed_missing(store, embedder)
    return root / "home"


def ask(home: Path, embedder, question: str, **options) -> Report:
    settings = load_settings(env={}, home=home, **options.pop("settings", {}))
    with open_store(settings.db_path) as store:
        return run_ask(store, settings, embedder, question,
                       RunOptions(source="library", **options))


def test_report_answers_from_quoted_claims_whose_quotes_sit_at_their_spans(home, embedder):
    report = ask(home, embedder, QUESTION)
    answer = report.answer  # its stance rests on the real verifier: any yes/no verdict may come
    assert answer and answer.kind == "yes_no" and answer.verdict != "findings"
    assert answer.statement == ("Quantization reduces the memory and inference cost of large "
                                "language models.")
    assert set(answer.papers_for + answer.papers_against) <= {p.paper_id for p in report.papers
                                                              if p.kept}
    assert all(f"[C{n}]" in answer.text for n in answer.cites)
    assert report.abstract[0].text == answer.text  # the report opens with its answer
    assert report.answerable == (answer.verdict != "not_answered")
    assert render(report, "md").index("## Answer") < render(report, "md").index("## Abstract")
    if report.answerable:
        assert report.answerability[0].endswith("bear on the question.")
    assert report.results["claims_quoted"] == report.results["claims_extracted"] >= 3
    assert report.results["claims_verified"] == 0 and report.results["papers_kept"] >= 2
    for c in report.claims:  # verbatim: checked against the other papers, never its own
        assert c.check == "quoted" and c.grounded == "supported" and c.sourced
        assert all(e.paper_id != c.paper_id for e in c.evidence)
    with open_store(home / "library.db") as store:
        for c in report.claims:
            assert store.fulltext(c.paper_id)[c.char_start:c.char_end] == c.quote
    cited = {n for s in report.abstract for n in s.cites}
    assert (cited or not report.answerable) and cited <= {c.n for c in report.claims
                                                          if c.on_point}
    assert all(s.cites for s in report.abstract[1:])  # only the answer line may cite nothing
    assert len(report.reviews) == 3 and 0 <= report.score <= 10
    scores = [r.overall for r in report.reviews]
    assert abs(report.spread - (max(scores) - min(scores))) < 0.11
    assert set(report.manifest.templates) == {"report.md.j2", "report.html.j2"}
    assert set(report.seconds) == {"retrieve", "screen", "extract", "verify", "answer",
                                   "review", "synthesize"}
    data = json.loads(render(report, "json"))
    assert {"text", "quote", "paper_id", "page", "char_start", "char_end", "label",
            "confidence"} <= set(data["claims"][0])
    md, html = render(report, "md"), render(report, "html")
    for section in ("Abstract", "Research question", "Methodology", "Results", "Limitations",
                    "Claims", "Contradictions", "References", "Verification level", "Quality",
                    "Correction record", "Provenance"):
        assert f"## {section}" in md and f"<h2>{section}</h2>" in html


def test_untrusted_titles_are_escaped_in_every_format(home, embedder):
    report = ask(home, embedder, "Does 4-bit quantization reduce the memory of LLM weights?")
    assert any(p.title == EVIL_TITLE for p in report.papers)
    for fmt in ("md", "html"):
        text = render(report, fmt)
        assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert json.loads(render(report, "json"))["papers"]  # JSON carries the raw title as data


def test_question_no_paper_touches_says_so_first_and_scores_low(home, embedder):
    report = ask(home, embedder, "What hydration works best for a rye sourdough bread?")
    assert report.answer and report.answer.verdict == "not_answered"
    assert not report.answerable
    assert report.answerability[0].startswith("The sources do not answer this question")
    assert report.score <= CEILING_UNANSWERED
    assert report.quality_tier.startswith("D") and report.verification_level.startswith("L0")
    assert render(report, "md").count("The sources do not answer") >= 1


def test_scholarqabench_question_gives_an_honest_report(home, embedder):
    question = json.loads(SCHOLARQA.read_text())[0]["initial_prompt"]
    report = ask(home, embedder, question)
    if not report.answerable:
        assert report.score <= CEILING_UNANSWERED
    assert report.question == question and report.papers


def test_question_in_another_language_runs_and_stays_honest(home, embedder):
    report = ask(home, embedder, "¿Reduce la cuantización el coste de inferencia de los modelos?")
    assert report.answerable or report.score <= CEILING_UNANSWERED


def test_rerun_reuses_stored_work_and_appends_a_version(home, embedder):
    first = ask(home, embedder, QUESTION, max_papers=3)
    with open_store(home / "library.db") as store:
        counts = [store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("extractions", "verdicts")]
    again = ask(home, embedder, QUESTION, max_papers=3)
    with open_store(home / "library.db") as store:
        assert counts == [store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                          for t in ("extractions", "verdicts")]
    assert again.id == first.id and again.version == first.version + 1
    assert [c.model_dump() for c in again.claims] == [c.model_dump() for c in first.claims]


def test_llm_down_mid_run_finishes_offline_and_says_so(home, embedder):
    url = f"http://127.0.0.1:{free_port()}/v1"
    report = ask(home, embedder, QUESTION, max_papers=2,
                 settings={"llm_base_url": url, "llm_model": "m", "llm_timeout": 2})
    assert any("extraction finished offline" in n for n in report.notes)
    assert report.claims and all(c.extractor == "offline" for c in report.claims)
    assert report.manifest.extractor == "offline"
    assert any("offline rules" in m and "LLM" not in m for m in report.methodology)


@pytest.mark.parametrize("model, shift", [("m", None), ("m-fitted", 5.0)])
def test_an_llm_for_the_answer_only_judges_the_stances(home, embedder, model, shift):
    from synth.answer.judge import TEMPLATE
    from synth.answer.judge_fit import FITS_FILE, save_fit
    from synth.llm.prompts import template_hash
    from synth.records.reports import JudgeFit

    from .llm_server import ScriptedLLM

    if shift is not None:  # a fit stored for the model: its shift outweighs the score, -4.7
        save_fit(home, JudgeFit(model=model, template_hash=template_hash(TEMPLATE), scale=1.0,
                                shift=shift, questions=40, file="q.jsonl", accuracy=0.61,
                                always_yes=0.55, auc=0.7, date="2026-12-07"))
    try:
        with ScriptedLLM() as server:
            server.reply_word("Yes", {"Yes": -0.1, "No": -3.0})  # the question, no results
            server.reply_word("No", {"Yes": -2.0, "No": -0.2})  # any paper's results
            server.pick = lambda body: int("(none given)" not in body["messages"][1]["content"])
            report = ask(home, embedder, QUESTION, max_papers=2,
                         settings={"llm_base_url": server.url, "llm_model": model,
                                   "llm_stages": "answer"})
    finally:
        (home / FITS_FILE).unlink(missing_ok=True)  # the home is shared by this module
    answer = report.answer
    assert answer is not None and answer.stances
    assert all(s.judged_by == f"llm:{model}" for s in answer.stances)
    if shift is None:
        assert answer.verdict == "no" and all(s.p_yes < 0.5 for s in answer.stances)
        assert answer.judge_fit is None
        assert any("not fitted to labelled questions" in m for m in report.methodology)
    else:
        assert answer.verdict == "yes" and all(s.p_yes > 0.5 for s in answer.stances)
        assert answer.judge_fit is not None and answer.judge_fit.questions == 40
        assert any("fitted on 40 expert-answered yes/no questions (q.jsonl)" in m
                   and "61%" in m for m in report.methodology)
    assert all(c.extractor == "offline" for c in report.claims)  # extraction stayed offline
    assert {json.dumps(r["messages"]).count("The study (its abstract") for r in server.requests} == {1}
    assert len(server.requests) == len(answer.stances) + 1  # the question alone, asked once
    assert any(f"the LLM {model}, which read the paper's abstract" in m
               for m in report.methodology)
    assert "stance.j2" in report.manifest.templates
    assert "extract_claims.j2" not in report.manifest.templates
    assert report.reviews and all(r.kind == "rules" for r in report.reviews)


def test_dry_run_counts_only_the_stages_that_use_the_llm(home, embedder):
    from synth.pipeline.estimate import estimate

    llm = {"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "gpt-4o-mini"}
    with open_store(home / "library.db") as store:
        every = estimate(store, load_settings(env={}, home=home, **llm,
                                              llm_stages="extract,answer"),
                         embedder, QUESTION, max_papers=2)
        answer = estimate(store, load_settings(env={}, home=home, llm_stages="answer", **llm),
                          embedder, QUESTION, max_papers=2)
    assert answer.llm_calls == answer.papers_kept + 1 >= 2  # each paper, and the question alone
    assert every.llm_calls > answer.llm_calls and every.tokens_in > answer.tokens_in > 0
    assert 0 < answer.cost < every.cost


def test_budget_reached_goes_on_offline(home, embedder):
    from .llm_server import ScriptedLLM

    with ScriptedLLM() as server:
        server.reply_tool("ProposedClaims", {"claims": []})
        report = ask(home, embedder, QUESTION, max_papers=2, budget=0.0,
                     settings={"llm_base_url": server.url, "llm_model": "gpt-4o-mini"})
    assert not server.requests and any("budget" in n for n in report.notes)


def test_cli_ask_reports_show_and_dry_run(home, tmp_path):
    env = {"SYNTH_HOME": str(home)}
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["ask", "-q", "--source", "library", "--max-papers", "2",
                                 "--out", str(out), "--format", "md,json", QUESTION], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(("Yes:", "No:", "Leans ", "Mixed:", "Partly",
                                                     "Not answered:"))
    assert "question" in result.output.splitlines()[1]
    assert sorted(p.suffix for p in out.iterdir() if p.is_file()) == [".json", ".md"]
    cards = list((out / "cards").glob("*.md"))
    [md] = out.glob("*.md")
    assert cards and all(f"(cards/{c.name})" in md.read_text() for c in cards)
    listed = json.loads(runner.invoke(cli, ["reports", "--json"], env=env).output)
    rid = listed[0]["id"]
    shown = runner.invoke(cli, ["show", rid[:6], "--format", "html"], env=env)
    assert shown.exit_code == 0 and shown.output.startswith("<!DOCTYPE html>")
    assert runner.invoke(cli, ["show", "nope"], env=env).exit_code == 9
    dry = runner.invoke(cli, ["ask", "--dry-run", QUESTION], env=env)
    guess = json.loads(dry.output)
    assert guess["llm"] is None and guess["cost"] == 0.0 and guess["papers_kept"] >= 1
    for bad in ("", "quantization"):
        failed = runner.invoke(cli, ["ask", "--source", "library", bad], env=env)
        assert failed.exit_code == 9 and "not a research question" in failed.output


class Crash(Exception):
    pass


class CrashingScorer:
    """The real default verifier, which dies after ``calls`` scoring calls (a killed run)."""

    def __init__(self, calls: int) -> None:
        from synth.verification.backends import load_scorer

        self.inner, self.left = load_scorer("synth-xenc"), calls
        self.name, self.decider = self.inner.name, self.inner.decider

    def score(self, pairs):
        self.left -= 1
        if self.left < 0:
            raise Crash("killed")
        return self.inner.score(pairs)


def test_a_run_killed_mid_way_resumes_from_what_it_stored(home, embedder):
    question = "Can low-bit quantization keep the accuracy of large language models?"
    settings = load_settings(env={}, home=home)
    with open_store(settings.db_path) as store, pytest.raises(Crash):
        run_ask(store, settings, embedder, question, RunOptions(source="library"),
                scorer=CrashingScorer(3))
    with open_store(settings.db_path) as store:
        stored = store.db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
        assert not [r for r in store.reports() if r["question"] == question]
        scorer = CrashingScorer(10_000)
        report = run_ask(store, settings, embedder, question, RunOptions(source="library"),
                         scorer=scorer)
        resumed = store.db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
    assert report.version == 1 and report.claims
    stance_calls = any(c.stance_margin is not None for c in report.claims)  # the answer's one
    assert 10_000 - scorer.left == len(report.claims) - 3 + stance_calls  # 3 verdicts reused
    assert resumed == stored + len(report.claims) - 3


def test_arxiv_down_is_one_line_and_the_run_goes_on(home, embedder):
    settings = load_settings(env={}, home=home, arxiv_delay=0.01, arxiv_retries=1,
                             arxiv_api_url=f"http://127.0.0.1:{free_port()}/api/query")
    with open_store(settings.db_path) as store:
        report = run_ask(store, settings, embedder, QUESTION,
                         RunOptions(source="both", max_papers=2))
    assert any(n.startswith("arXiv could not be reached") for n in report.notes)
    assert report.claims


def chromium() -> str:
    import os
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "chromium missing: run scripts/install_test_tools.sh (Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_html_report_renders_its_claims_table_in_headless_chromium(home, embedder, tmp_path):
    import re
    import subprocess

    browser = chromium()
    report = ask(home, embedder, QUESTION, max_papers=3)
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    body = dom[dom.index('<table id="claims">'):]
    rows = re.findall(r"<tr><td>(\d+)</td>", body[:body.index("</table>")])
    assert [int(n) for n in rows] == [c.n for c in report.claims] and rows
    assert 'href="#q1"' in dom and 'id="q1"' in dom  # each claim links to its quote
    shot = tmp_path / "report.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1200,1600",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000


def test_ask_from_live_arxiv_replayed_on_loopback(tmp_path, embedder):
    from .arxiv_server import serve_arxiv

    with serve_arxiv() as server:
        settings = load_settings(env={}, home=tmp_path / "h", arxiv_delay=0.01,
                                 arxiv_api_url=server.api_url, arxiv_pdf_url=server.pdf_url)
        with open_store(settings.db_path) as store:
            report = run_ask(store, settings, embedder, "au:del_maestro AND ti:checkerboard",
                             RunOptions(source="arxiv", max_papers=1))
    assert report.notes[0].startswith("arXiv: 1 new papers")
    [paper] = report.papers
    assert paper.version is not None and paper.paper_id.endswith(f"v{paper.version}")
    assert report.manifest.papers == ([paper.paper_id] if paper.kept else [])
