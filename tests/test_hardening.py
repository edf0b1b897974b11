"""Hostile but fair input: every case ends in one line (or works), never a traceback, and
nothing stored changes that should not. One test per behaviour, on real libraries, real
files and the real CLI."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synth.cli import cli
from synth.cli.app import BUG_EXIT, SynthGroup
from synth.config import load_settings
from synth.errors import ConfigError, InvalidInput, OutputError, SynthError
from synth.library.ingest import ingest
from synth.library.snapshot import import_snapshot
from synth.pipeline.batch import read_batch
from synth.pipeline.run import check_question, report_id, run_ask
from synth.records.options import RunOptions
from synth.report.audit import audit
from synth.report.bundle import import_bundle
from synth.report.render import write_text
from synth.store.db import open_store

from .conftest import DATA, PDFS

BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"
CITATION_CORPUS = DATA / "nli" / "citation-integrity" / "corpus.jsonl"
QUANT = "Does quantization reduce the memory and inference cost of large language models?"
OPTIONS = RunOptions(max_papers=2, source="library")


def run(home: Path, *args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), env={"SYNTH_HOME": str(home)}, **kwargs)


def one_line(result) -> str:
    """The single line a failed command printed (asserting there is exactly one)."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def quant_records(n: int = 40) -> list[dict]:
    rows = [json.loads(line) for line in BIBLE.read_text().splitlines()]
    picked = [r for r in rows if "quantiz" in r["title"].lower()][:min(n, 10)]
    return picked + [r for r in rows if r not in picked][: n - len(picked)]


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def make_library(root: Path, embedder, records: list[dict], question: str = QUANT):
    """A library of ``records`` with one offline report on ``question``."""
    settings = load_settings(env={}, home=root)
    source = write_jsonl(root.parent / f"{root.name}.jsonl", records)
    with open_store(settings.db_path) as store:
        ingest(store, settings, [str(source)])
        from synth.search.embed import embed_missing

        embed_missing(store, embedder)
        report = run_ask(store, settings, embedder, question, OPTIONS)
    return settings, report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple[Path, str, Path]:
    """(library home, its report id, that report's export bundle), built once."""
    root = tmp_path_factory.mktemp("hardening")
    settings, report = make_library(root / "home", embedder, quant_records())
    bundle = root / "report.synth.json"
    assert run(settings.home, "export", report.id, str(bundle)).exit_code == 0
    with open_store(settings.db_path) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return settings.home, report.id, bundle


def copy_home(built, tmp_path: Path) -> Path:
    shutil.copytree(built[0], tmp_path / "home")
    return tmp_path / "home"


def library_state(home: Path) -> dict:
    with open_store(home / "library.db") as store:
        counts = store.counts()
        texts = dict(store.db.execute("SELECT paper_id, sha FROM texts").fetchall())
        reports = store.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    return {**counts, "texts": texts, "reports": reports}


# ---- 1, 2, 4: bundles --------------------------------------------------------------------


def test_an_import_never_changes_the_text_a_stored_report_cites(built, embedder, tmp_path):
    home = copy_home(built, tmp_path)
    mine = library_state(home)
    with open_store(home / "library.db") as store:
        cited = store.db.execute("SELECT paper_id FROM claims LIMIT 1").fetchone()[0]
    # another library holds the same paper id with an altered title and text, and a report on it
    altered = [dict(r, title=r["title"] + " (revised)", abstract="Quantization doubles the "
                    "memory of every model we tried. " + r["abstract"])
               if cited.startswith(r["arxiv_id"]) else r for r in quant_records()]
    settings, theirs = make_library(tmp_path / "theirs", embedder, altered)
    bundle = tmp_path / "theirs.synth.json"
    assert run(settings.home, "export", theirs.id, str(bundle)).exit_code == 0
    refused = run(home, "import", str(bundle))
    assert refused.exit_code == 3
    assert "is stored here with another text" in one_line(refused)
    assert "nothing was imported" in refused.output
    assert library_state(home) == mine
    assert not audit(open_store(home / "library.db"), home / "pdfs", built[1]).breaks
    # the same library's own bundle imports again and changes nothing
    again = run(home, "import", str(built[2]))
    assert again.exit_code == 0, again.output
    assert library_state(home) == mine


def mutated(bundle: Path, change) -> dict:
    data = json.loads(bundle.read_text())
    change(data)
    return data


def _set(path: list, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _duplicate_paper(data):
    data["rows"]["papers"].append(dict(data["rows"]["papers"][0]))


def _bad_base64(data):
    data["pdfs"] = {data["rows"]["papers"][0]["id"]: "not base64 at all!"}


def _missing_sha(data):
    del data["rows"]["papers"][0]["pdf_sha256"]


def _wrong_column(data):
    data["rows"]["papers"][0]["colour"] = data["rows"]["papers"][0].pop("title")


def _bad_report(data):
    data["rows"]["reports"][0].update(report="{}", score=None)


def _moved_claim(data):
    data["rows"]["claims"][0]["char_start"] += 1


CRAFTED = {
    "duplicate paper rows": _duplicate_paper,
    "bad base64": _bad_base64,
    "missing pdf_sha256": _missing_sha,
    "10**30 integer": _set(["rows", "passages", 0, "char_start"], 10**30),
    "papers is a string": _set(["rows", "papers"], "x"),
    "pdfs is a list": _set(["pdfs"], []),
    "a wrong column": _wrong_column,
    "a report that is {} with score null": _bad_report,
    "a claim off its span": _moved_claim,
    "another format": _set(["format"], "synth-bundle/9"),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_a_crafted_bundle_is_refused_whole_with_one_line(built, tmp_path, case):
    bundle = tmp_path / "crafted.json"
    bundle.write_text(json.dumps(mutated(built[2], CRAFTED[case])))
    home = tmp_path / "elsewhere"
    result = run(home, "import", str(bundle))
    assert result.exit_code == 9
    line = one_line(result)
    assert "disk" not in line and ("nothing was imported" in line or "not a synth bundle" in line)
    state = library_state(home)
    assert state["papers"] == 0 and state["reports"] == 0
    assert not (home / "pdfs").exists() or not any((home / "pdfs").iterdir())


def test_a_damaged_stored_report_breaks_only_itself(built, tmp_path):
    home = copy_home(built, tmp_path)
    with open_store(home / "library.db") as store:
        store.db.execute("INSERT INTO reports (id, version, question, created, score, "
                         "answerable, claims, report) VALUES ('0badbadbad00', 1, 'q?', "
                         "'2026-01-01', NULL, 0, 0, '{}')")
    listing = run(home, "reports")
    assert listing.exit_code == 0 and "0badbadbad00" in listing.output and built[1] in listing.output
    shown = run(home, "show", "0badbadbad00")
    assert shown.exit_code == 3 and "is damaged" in one_line(shown)
    assert run(home, "show", built[1]).exit_code == 0
    again = run(home, "regenerate", "--all", "-q")
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert "0badbadbad00" in again.output and f"{built[1]} v2" in again.output


# ---- 3, 16: snapshot lines ---------------------------------------------------------------


@pytest.mark.parametrize("field,value", [
    ("categories", 5), ("authors", 5), ("versions", "v1"), ("update_date", 20240101),
    ("versions", [{"version": "v1", "created": 5}]), ("authors_parsed", "Smith, J."),
    ("title", ["a", "list"]), ("year", 10**30)])
def test_a_wrong_typed_snapshot_field_skips_only_its_line(tmp_path, field, value):
    records = quant_records(5)
    records[2] = dict(records[2], **{field: value})
    result = run(tmp_path / "home", "ingest", "--no-embed", "-q",
                 str(write_jsonl(tmp_path / "five.jsonl", records)))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "added 4" in result.output
    assert f"line 3: {field}" in result.output
    with open_store(tmp_path / "home" / "library.db") as store:
        assert store.counts()["papers"] == 4


def test_records_without_a_title_are_kept_titled_by_their_first_words(tmp_path):
    lines = CITATION_CORPUS.read_text().splitlines()[:30]
    assert all(json.loads(line)["title"] == "" for line in lines)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    result = run(tmp_path / "home", "ingest", "--no-embed", "-q", str(corpus))
    assert result.exit_code == 0 and "added 30" in result.output, result.output
    first = json.loads(lines[0])
    with open_store(tmp_path / "home" / "library.db") as store:
        paper = store.get_paper(str(first["doc_id"]))
    words = " ".join(first["abstract"]).split()
    assert paper.title == " ".join(words[:12]) + " …"
    no_text = write_jsonl(tmp_path / "empty.jsonl", [{"doc_id": 1, "title": "", "abstract": []}])
    refused = run(tmp_path / "home", "ingest", "--no-embed", "-q", str(no_text))
    assert refused.exit_code == 1 and "needs an id and a title or an abstract" in refused.output


# ---- 5: a kill during embedding ----------------------------------------------------------


def embedded_share(home: Path) -> tuple[int, int]:
    with open_store(home / "library.db") as store:
        total = store.db.execute("SELECT COUNT(DISTINCT sha) FROM passages").fetchone()[0]
        done = store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    return done, total


def test_an_ingest_embeds_what_an_earlier_one_left_unembedded(tmp_path):
    home = tmp_path / "home"
    source = str(write_jsonl(tmp_path / "forty.jsonl", quant_records()))
    assert run(home, "ingest", "--no-embed", "-q", source).exit_code == 0
    assert embedded_share(home)[0] == 0
    rerun = run(home, "ingest", "-q", source)
    done, total = embedded_share(home)
    assert rerun.exit_code == 0 and "added 0, unchanged 40" in rerun.output
    assert f"embedded {total}" in rerun.output and done == total > 0


def test_an_ingest_killed_while_embedding_is_finished_by_its_rerun(tmp_path):
    home = tmp_path / "home"
    rows = [json.loads(line) for line in BIBLE.read_text().splitlines()][:600]
    source = str(write_jsonl(tmp_path / "slice.jsonl", rows))
    env = {**os.environ, "SYNTH_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "synth", "ingest", "-q", source], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if (home / "library.db").exists() and embedded_share(home)[0] > 0:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the ingest finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done, total = embedded_share(home)
    assert 0 < done < total
    rerun = run(home, "ingest", "-q", source)
    assert rerun.exit_code == 0 and "added 0, unchanged 600" in rerun.output
    assert f"embedded {total - done}" in rerun.output
    assert embedded_share(home) == (total, total)


# ---- 6: gzip -------------------------------------------------------------------------------


def test_a_truncated_gzip_keeps_what_was_read_and_says_so_in_one_line(tmp_path):
    rows = [json.loads(line) for line in BIBLE.read_text().splitlines()][:1500]
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    truncated = tmp_path / "slice.jsonl.gz"
    truncated.write_bytes(data[: len(data) // 2])
    good = write_jsonl(tmp_path / "good.jsonl", [rows[-1]])
    result = run(tmp_path / "home", "ingest", "--no-embed", "-q", str(truncated), str(good))
    assert result.exit_code == 1 and "Aborted" not in result.output
    assert "Traceback" not in result.output
    failed = [line for line in result.output.splitlines() if "failed:" in line]
    assert len(failed) == 1 and "truncated" in failed[0]
    with open_store(tmp_path / "home" / "library.db") as store:
        stored = store.counts()["papers"]
        assert store.get_paper(rows[-1]["arxiv_id"]) is not None
    assert 500 <= stored < 1500  # the whole batches read before the damage, and good.jsonl


def test_a_file_that_is_not_gzip_is_one_line(tmp_path):
    fake = tmp_path / "snapshot.json.gz"
    fake.write_bytes(b"\x1f\x8b" + os.urandom(2000))
    result = run(tmp_path / "home", "ingest", "--no-embed", "-q", str(fake))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "not a valid gzip file" in result.output
    listed = run(tmp_path / "home", "library", "--json")
    assert any("gzip" in p["detail"] for p in json.loads(listed.output)["problems"])


# ---- 7: a read-only library ----------------------------------------------------------------


def on_read_only_mount(home: Path, *args: str) -> subprocess.CompletedProcess:
    """Run synth with ``home`` bind-mounted read-only (a user and mount namespace)."""
    folder = str(home)
    command = (f"mount --bind -o ro '{folder}' '{folder}' && exec '{sys.executable}' -m synth "
               + " ".join(f"'{a}'" for a in args))
    return subprocess.run(["unshare", "-rm", "sh", "-c", command], capture_output=True,
                          text=True, env={**os.environ, "SYNTH_HOME": folder}, timeout=300)


def test_read_commands_work_on_a_read_only_library(built, tmp_path):
    home = copy_home(built, tmp_path)
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this machine cannot make a read-only mount (unshare -rm refused)")
    rid = built[1]
    for args in (["reports"], ["show", rid], ["library"], ["audit", rid], ["diff", rid],
                 ["export", rid, str(tmp_path / "out.json")], ["search", "quantization"]):
        done = on_read_only_mount(home, *args)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    assert rid in on_read_only_mount(home, "reports").stdout
    source = write_jsonl(tmp_path / "one.jsonl", quant_records(1))
    write = on_read_only_mount(home, "ingest", "--no-embed", str(source))
    assert write.returncode == 3 and "is read-only" in write.stderr
    assert len(write.stderr.strip().splitlines()) == 1


# ---- 8, 11: long arguments and report ids --------------------------------------------------


def test_very_long_arguments_end_in_one_short_line(built, tmp_path):
    home = built[0]
    shown = run(home, "show", "a" * 50_000)
    assert shown.exit_code == 9 and len(one_line(shown)) < 300
    fetched = run(tmp_path / "home", "ingest", "--no-embed", "2106." + "1" * 1000)
    assert fetched.exit_code == 1 and "Traceback" not in fetched.output
    assert max(len(line) for line in fetched.output.splitlines()) < 300
    asked = run(tmp_path / "home", "ask", "x" * 5000, "--source", "library")
    assert asked.exit_code == 9 and len(one_line(asked)) < 300


def test_report_ids_are_matched_exactly_or_by_plain_prefix(built, tmp_path):
    home = copy_home(built, tmp_path)
    rid = built[1]
    with open_store(home / "library.db") as store:
        report = json.loads(store.report_json(rid))
        for twin in ("abc123000000", "abc456000000"):
            store.save_report(twin, report["question"], report["created"], 1.0, True, 0,
                              lambda v, t=twin: json.dumps({**report, "id": t, "version": v}))
    for pattern in ("%", "_", f"{rid[:3]}%", "a_c"):
        assert run(home, "show", pattern).exit_code == 9
    ambiguous = run(home, "show", "abc")
    assert ambiguous.exit_code == 9
    assert "abc123000000, abc456000000" in one_line(ambiguous)
    assert run(home, "show", "abc4").exit_code == 0
    assert run(home, "show", rid[:6]).exit_code == 0


# ---- 9: a full disk under --out ------------------------------------------------------------


def test_a_write_that_fails_leaves_no_partial_file(tmp_path):
    target = tmp_path / "report.md"
    (tmp_path / "report.md.partial").symlink_to("/dev/full")  # writing there is ENOSPC
    with pytest.raises(OutputError, match="No space left on device"):
        write_text(target, "text")
    assert not target.exists() and not (tmp_path / "report.md.partial").is_symlink()


def test_a_full_disk_under_out_says_the_report_is_stored(built, tmp_path):
    home = copy_home(built, tmp_path)
    rid = report_id(check_question(QUANT), OPTIONS)
    assert rid == built[1]
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{rid}-v2.md.partial").symlink_to("/dev/full")
    result = run(home, "ask", QUANT, "--max-papers", "2", "--source", "library", "--out",
                 str(out), "-q")
    assert result.exit_code == 11 and "Traceback" not in result.output
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "No space left on device" in error[0]
    assert f"report {rid} v2 is stored" in error[0]
    assert not list(out.glob("*.partial")) and not (out / f"{rid}-v2.md").exists()
    assert run(home, "show", rid, "--version", "2").exit_code == 0


# ---- 10: settings and user files -----------------------------------------------------------


@pytest.mark.parametrize("name,value", [
    ("SYNTH_ARXIV_DELAY", "inf"), ("SYNTH_HTTP_TIMEOUT", "nan"), ("SYNTH_LLM_TIMEOUT", "0"),
    ("SYNTH_ARXIV_RETRIES", "99999999999999999999"), ("SYNTH_ARXIV_DELAY", "-1")])
def test_settings_out_of_range_are_one_line_config_errors(tmp_path, name, value):
    result = CliRunner().invoke(cli, ["reports"], env={"SYNTH_HOME": str(tmp_path), name: value})
    assert result.exit_code == 2
    assert name in one_line(result) and "from" in result.output


@pytest.mark.parametrize("table", [{"m": {"a": 1}}, {"m": [-1, 2]}, {"m": [1]},
                                   {"m": ["1", 2]}, ["m"], {"m": [1e400, 1]}])
def test_a_malformed_price_table_is_a_config_error(tmp_path, table):
    from synth.llm.prices import load_prices

    (tmp_path / "prices.json").write_text(json.dumps(table).replace("Infinity", "1e400"))
    with pytest.raises(ConfigError, match="price table .* is malformed"):
        load_prices(tmp_path)


@pytest.mark.parametrize("lexicon", [[""], {"model": [""]}, {"model": ["  "]},
                                     {"model": "GPT"}, {"model": [5]}])
def test_a_malformed_entity_lexicon_is_a_config_error(tmp_path, lexicon):
    from synth.cards.card import load_lexicon

    (tmp_path / "entities.json").write_text(json.dumps(lexicon))
    with pytest.raises(ConfigError, match="entity lexicon .* is malformed"):
        load_lexicon(tmp_path)
    (tmp_path / "entities.json").write_text(json.dumps({"model": ["MyNet"], "_note": "x"}))
    assert "MyNet" in load_lexicon(tmp_path)["model"]


# ---- 12, 13: questions in unspaced scripts; links in paper text ----------------------------


def test_a_question_in_chinese_without_spaces_is_asked(built, tmp_path):
    home = copy_home(built, tmp_path)
    question = "量化能否降低大型语言模型的内存和推理成本？"
    assert check_question(question) == question
    result = run(home, "ask", question, "--source", "library", "--format", "json", "--out",
                 str(tmp_path / "out"), "-q")
    assert result.exit_code == 0, result.output
    with pytest.raises(InvalidInput):
        check_question("量化")


def test_links_in_paper_text_are_inert_in_markdown_reports_and_cards(embedder, tmp_path):
    records = quant_records()
    trap = "[click here](javascript:alert(1))"
    records = [dict(r, title=f"{r['title']} {trap}",
                    abstract=f"Quantization reduces memory by 4x {trap}. {r['abstract']}")
               for r in records]
    settings, report = make_library(tmp_path / "home", embedder, records)
    out = tmp_path / "out"
    result = run(settings.home, "regenerate", report.id, "--out", str(out), "--format", "md", "-q")
    assert result.exit_code == 0, result.output
    written = list(out.rglob("*.md"))
    assert len(written) >= 2 and any("click here" in p.read_text() for p in written)
    for path in written:
        text = path.read_text()
        assert "](javascript:" not in text.replace("\\](javascript:", "")


# ---- 14, 15, 17 ----------------------------------------------------------------------------


def test_parse_problems_are_stored_once_whatever_folder_synth_runs_from(tmp_path, monkeypatch):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    shutil.copy(PDFS / "0908.0054v1.pdf", papers / "0908.0054v1.pdf")
    home = tmp_path / "home"
    assert run(home, "ingest", "--no-embed", "-q", str(papers)).exit_code == 1
    monkeypatch.chdir(tmp_path)
    assert run(home, "ingest", "--no-embed", "-q", "papers").exit_code == 1
    monkeypatch.chdir(papers)
    assert run(home, "ingest", "--no-embed", "-q", ".").exit_code == 1
    problems = json.loads(run(home, "library", "--json").output)["problems"]
    assert [p["path"] for p in problems] == [str((papers / "broken.pdf").resolve())]


@pytest.mark.parametrize("line,field", [
    ('{"question": "Does LoRA work?", "max_papers": "lots"}', "max_papers"),
    ('{"question": "Does LoRA work?", "max_papers": -3}', "max_papers"),
    ('{"question": "Does LoRA work?", "source": "moon"}', "source"),
    ('{"question": "Does LoRA work?", "max_paper": 3}', "max_paper"),
    ('{"question": 5}', "question"), ('{"max_papers": 3}', "question"), ("[1, 2]", None)])
def test_batch_options_are_checked_before_any_question_runs(tmp_path, line, field):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(f"Does quantization make models smaller?\n{line}\n")
    result = run(tmp_path / "home", "batch", str(batch))
    assert result.exit_code == 9
    assert f"{batch}:2:" in one_line(result) and (field is None or field in result.output)
    assert not (tmp_path / "home" / "library.db").exists() or \
        library_state(tmp_path / "home")["reports"] == 0


def test_one_bad_claim_line_is_reported_and_the_others_verified(built, tmp_path):
    claims = tmp_path / "claims.txt"
    claims.write_text("Quantization reduces the memory of large language models.\n"
                      + "quantization " * 150 + "\n"
                      "Pruning removes weights from a network.\n")
    result = CliRunner().invoke(cli, ["verify", "--claims", str(claims)],
                                env={"SYNTH_HOME": str(built[0])})
    assert result.exit_code == 9 and "Traceback" not in result.output
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["claim"][:8] for v in verdicts] == ["Quantiza", "Pruning "]
    assert result.stderr.startswith("error: line 2: the claim is 1949 characters")
    assert len(result.stderr.strip().splitlines()) == 1


def test_eval_counts_a_claim_it_refuses_and_goes_on(tmp_path):
    from synth.search.embed import load_embedder
    from synth.search.hybrid import Searcher
    from synth.verification.backends import load_scorer
    from synth.verification.evaluate import eval_scifact

    folder = tmp_path / "set"
    folder.mkdir()
    lines = CITATION_CORPUS.read_text().splitlines()[:20]
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    doc = json.loads(lines[0])
    claims = [{"id": 1, "claim": doc["abstract"][0], "evidence": {
                   str(doc["doc_id"]): [{"sentences": [0], "label": "SUPPORT"}]}},
              {"id": 2, "claim": "word " * 400, "evidence": {}},
              {"id": 3, "claim": "Aspirin cures every cancer.", "evidence": {}}]
    write_jsonl(folder / "claims.jsonl", claims)
    settings = load_settings(env={}, home=tmp_path / "home")
    embedder = load_embedder(settings.embed_model)
    with open_store(settings.db_path) as store:
        scorer = load_scorer(settings.verify_model, embedder, settings, store=store)
        result = eval_scifact(store, lambda: Searcher(store, embedder, settings.lexical),
                              scorer, folder / "corpus.jsonl", folder / "claims.jsonl")
    assert result.claims == 3 and result.refused == 1
    assert sum(result.confusion["NEI"].values()) == 2


# ---- 18: the last line of defence ----------------------------------------------------------


def test_an_unexpected_error_is_one_line_and_a_bug_exit():
    group = SynthGroup(name="probe")

    @group.command()
    def broken() -> None:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    result = CliRunner().invoke(group, ["broken"])
    assert result.exit_code == BUG_EXIT
    assert "this is a bug in synth" in one_line(result) and "TypeError" in result.output


def test_click_usage_errors_are_left_to_click():
    group = SynthGroup(name="probe")

    @group.command()
    @click.argument("n", type=int)
    def takes(n: int) -> None:
        pass

    assert CliRunner().invoke(group, ["takes", "x"]).exit_code == 2



# ---- the validation layer under random input (hypothesis) ---------------------------------

EXAMPLES = 150  # per property; each example is a whole file of lines or one bundle
PROPERTY = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3), max_leaves=6)
SNAPSHOT_FIELDS = ["id", "arxiv_id", "doc_id", "title", "abstract", "authors", "authors_parsed",
                   "categories", "versions", "update_date", "license", "year", "extra"]
LINE_TEXT = st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t)
tried: dict[str, int] = {"snapshot lines": 0, "bundles": 0, "batch lines": 0}


def good_record(tag: str, n: int) -> dict:
    return {"id": f"{tag}-good-{n}", "title": f"A good paper number {n}",
            "abstract": "Quantization reduces memory by 4x.", "categories": "cs.CL",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]}


@st.composite
def snapshot_line(draw, tag: str, n: int) -> tuple[str, bool]:
    """(a line, whether it is known good)."""
    kind = draw(st.sampled_from(["good", "field", "value", "text"]))
    if kind == "good":
        return json.dumps(good_record(tag, n)), True
    if kind == "field":
        record = good_record(tag, n)
        record[draw(st.sampled_from(SNAPSHOT_FIELDS))] = draw(JSON)
        return json.dumps(record), False
    if kind == "value":
        return json.dumps(draw(JSON)), False
    return draw(LINE_TEXT), False


def test_random_snapshot_lines_store_every_good_record_and_never_raise(tmp_path):
    store = open_store(tmp_path / "library.db")

    @PROPERTY
    @given(data=st.data())
    def check(data) -> None:
        tag = f"ex{tried['snapshot lines']}"
        tried["snapshot lines"] += 1
        lines = [(json.dumps(good_record(tag, 0)), True)]  # first: so the file is JSON Lines
        lines += [data.draw(snapshot_line(tag, n)) for n in range(1, data.draw(st.integers(1, 8)))]
        path = tmp_path / f"{tag}.jsonl"
        path.write_text("".join(line + "\n" for line, _ in lines))
        report = import_snapshot(store, path)
        read = sum(1 for line, _ in lines if line.strip())
        assert len(report.added) + len(report.unchanged) + len(report.problems) == read
        for n, (_, good) in enumerate(lines):
            if good:
                assert store.get_paper(f"{tag}-good-{n}") is not None

    check()
    store.close()
    assert tried["snapshot lines"] >= EXAMPLES


BUNDLE_TABLES = ["papers", "texts", "passages", "extractions", "claims", "llm_calls",
                 "llm_cache", "reports", "corrections"]


def test_random_bundle_rows_are_refused_or_imported_and_never_change_stored_text(built, tmp_path):
    home = tmp_path / "home"
    settings_ = load_settings(env={}, home=home)
    original = json.loads(built[2].read_text())
    store = open_store(settings_.db_path)
    import_bundle(store, settings_.pdf_dir, built[2])
    texts = dict(store.db.execute("SELECT paper_id, sha FROM texts").fetchall())

    @PROPERTY
    @given(table=st.sampled_from(BUNDLE_TABLES), row=st.integers(0, 50),
           column=st.text(max_size=12) | st.sampled_from(
               ["id", "paper_id", "text", "sha", "char_start", "char_end", "quote", "version",
                "report", "score", "pdf_sha256", "title", "attempt", "key"]),
           value=JSON, delete=st.booleans())
    def check(table, row, column, value, delete) -> None:
        tried["bundles"] += 1
        data = json.loads(json.dumps(original))
        rows = data["rows"][table]
        if rows:
            target = rows[row % len(rows)]
            if delete:
                target.pop(column, None)
            else:
                target[column] = value
        path = tmp_path / "mutated.json"
        path.write_text(json.dumps(data))
        with contextlib.suppress(SynthError):  # refused: the property is what stays stored
            import_bundle(store, settings_.pdf_dir, path)
        assert dict(store.db.execute("SELECT paper_id, sha FROM texts").fetchall()) == texts

    check()
    assert not audit(store, settings_.pdf_dir, built[1]).breaks
    store.close()
    assert tried["bundles"] >= EXAMPLES


def test_random_batch_lines_are_refused_or_give_valid_options(tmp_path):
    @PROPERTY
    @given(fields=st.dictionaries(st.sampled_from(["question", "max_papers", "source", "x"]),
                                  JSON | st.integers(-5, 200) | st.sampled_from(
                                      ["library", "arxiv", "both", "moon"]), max_size=4))
    def check(fields) -> None:
        tried["batch lines"] += 1
        path = tmp_path / "batch.jsonl"
        path.write_text(json.dumps(fields) + "\n")
        try:
            _, items = read_batch(path)
        except InvalidInput as err:
            assert str(err).startswith(f"{path}:1:")
            return
        (item,) = items
        assert isinstance(item.question, str) and item.question
        assert 1 <= item.options.max_papers <= 100
        assert item.options.source in ("library", "arxiv", "both")

    check()
    assert tried["batch lines"] >= EXAMPLES
