"""Reports as durable records (issue 6): versions and diff, corrections, audit (and tampering
caught), export and import elsewhere, batch runs killed and resumed, two batches at once, and
a disk that fills up mid-write."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.config import load_settings
from synth.library.ingest import ingest
from synth.pipeline.regenerate import regenerate
from synth.pipeline.run import run_ask
from synth.records.options import RunOptions
from synth.report.audit import audit
from synth.report.history import correct, diff, load_report
from synth.store.db import open_store

from .conftest import DATA, PDFS

BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"
PASA = "Can LLM agents search academic papers better than Google Scholar?"
QUANT = "Does quantization reduce the memory and inference cost of large language models?"
TOPICS = ["quantization", "pruning", "knowledge distillation", "speculative decoding",
          "mixture of experts", "low-rank adaptation", "KV cache compression", "early exit",
          "sparse attention", "token pruning", "model merging", "FlashAttention",
          "parameter sharing", "weight sharing", "batching", "caching", "compilation",
          "long context", "retrieval augmentation", "small language models"]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """80 LLM-efficiency abstracts and the PaSa PDF (for PDF hash checks), embedded once."""
    from synth.search.embed import embed_missing

    root = tmp_path_factory.mktemp("records")
    rows = [json.loads(line) for line in BIBLE.read_text().splitlines()]
    picked = [r for r in rows if "quantiz" in r["title"].lower()][:20] + rows[:60]
    (root / "slice.jsonl").write_text("".join(json.dumps(r) + "\n" for r in picked))
    pdf = root / "2501.10120v1.pdf"
    shutil.copy(PDFS / "2501.10120v1.pdf", pdf)  # a copy the tests may tamper with
    settings = load_settings(env={}, home=root / "home")
    with open_store(settings.db_path) as store:
        ingest(store, settings, [str(root / "slice.jsonl"), str(pdf)])
        embed_missing(store, embedder)
    return root


def fresh(library: Path, tmp_path: Path) -> Path:
    """A copy of the module's library for a test that changes it."""
    with open_store(library / "home" / "library.db") as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(library / "home", tmp_path / "home")
    return tmp_path / "home"


def ask(home: Path, embedder, question: str, **options):
    settings = load_settings(env={}, home=home)
    with open_store(settings.db_path) as store:
        return run_ask(store, settings, embedder, question,
                       RunOptions(source="library", **options))


def test_regenerate_each_stage_appends_versions_and_diff_says_why(library, embedder, tmp_path):
    home = fresh(library, tmp_path)
    first = ask(home, embedder, QUANT, max_papers=3)
    settings = load_settings(env={}, home=home)
    with open_store(settings.db_path) as store:
        versions = [regenerate(store, settings, embedder, first.id, stage).version
                    for stage in ("render", "review", "verify", "extract", "retrieve")]
        assert versions == [2, 3, 4, 5, 6] and store.report_versions(first.id) == [1, 2, 3, 4, 5, 6]
        same = diff(store, first.id, 1, 6)
        assert not (same.added or same.dropped or same.relabelled)
        assert same.why == ["the manifest is unchanged (same models, templates and paper versions)"]
        for v in range(1, 7):
            assert not audit(store, settings.pdf_dir, first.id, version=v).breaks
        # a version that differs: one claim dropped, one relabelled, another verifier
        changed = load_report(store, first.id).model_copy(deep=True)
        changed.claims = changed.claims[1:]
        relabel = "supported" if changed.claims[0].label == "contradicted" else "contradicted"
        changed.claims[0].label = relabel
        changed.manifest.verifier = "cross-encoder:other"
        store.save_report(changed.id, changed.question, changed.created, 1.0, True,
                          len(changed.claims), lambda v: changed.model_copy(
                              update={"version": v, "score": 1.0}).model_dump_json())
        d = diff(store, first.id)
    assert (d.from_version, d.to_version) == (6, 7) and d.score[1] == 1.0
    assert [c.claim_id for c in d.dropped] == [first.claims[0].id]
    assert d.relabelled and d.relabelled[0].new.startswith(relabel)
    assert d.why == ["verifier changed: synth-xenc -> cross-encoder:other"]
    out = CliRunner().invoke(cli, ["diff", first.id, "--from", "6"], env={"SYNTH_HOME": str(home)})
    assert out.exit_code == 0 and "dropped" in out.output and "why: verifier changed" in out.output


def test_corrections_are_appended_and_shown_nothing_deleted(library, embedder, tmp_path):
    home = fresh(library, tmp_path)
    report = ask(home, embedder, QUANT, max_papers=2)
    env = {"SYNTH_HOME": str(home)}
    runner = CliRunner()
    for reason in ("Background, not a finding", "Checked again: the figure is from Table 2"):
        result = runner.invoke(cli, ["correct", report.id, "--claim", "1", "--reason", reason,
                                     "--label", "insufficient"], env=env)
        assert result.exit_code == 0, result.output
    md = runner.invoke(cli, ["show", report.id], env=env).output
    assert "2 corrections." in md and "Background, not a finding" in md and "Table 2" in md
    with open_store(home / "library.db") as store:
        assert len(load_report(store, report.id).corrections) == 2
        with pytest.raises(Exception, match="has no claim 999"):
            correct(store, report.id, 999, "x")
    bad = runner.invoke(cli, ["correct", report.id, "--claim", "1", "--reason", " "], env=env)
    assert bad.exit_code == 9 and "needs a reason" in bad.output


def test_audit_catches_tampered_passages_texts_and_pdfs(library, embedder, tmp_path):
    home = fresh(library, tmp_path)
    report = ask(home, embedder, PASA, max_papers=2)
    pasa = next(c for c in report.claims if c.paper_id == "2501.10120v1")
    env = {"SYNTH_HOME": str(home)}
    runner = CliRunner()
    clean = runner.invoke(cli, ["audit", report.id, "--json"], env=env)
    assert clean.exit_code == 0 and json.loads(clean.output)["breaks"] == []
    pdf = Path(json.loads(clean.output)["claims"][pasa.n - 1]["pdf_file"].split(" (")[0])
    with open_store(home / "library.db") as store:
        store.db.execute("UPDATE passages SET text = 'TAMPERED' || substr(text, 9) WHERE id = "
                         "(SELECT passage_id FROM claims WHERE id = ?)", [pasa.id])
    first = runner.invoke(cli, ["audit", report.id, "--claim", str(pasa.n)], env=env)
    assert first.exit_code == 1 and "was altered" in first.output
    with open_store(home / "library.db") as store:
        store.db.execute("UPDATE texts SET text = replace(text, ?, upper(?)) WHERE paper_id = ?",
                         [pasa.quote, pasa.quote, pasa.paper_id])
    original = pdf.read_bytes()
    pdf.write_bytes(original[:-10] + b"tampered!!")  # the module's copy: put back below
    try:
        second = runner.invoke(cli, ["audit", report.id, "--claim", str(pasa.n)], env=env)
    finally:
        pdf.write_bytes(original)
    assert second.exit_code == 1
    assert "no longer hashes to its recorded sha256" in second.output
    assert "PDF" in second.output and "no longer hashes to the recorded sha256" in second.output


def test_export_then_import_elsewhere_and_audit_passes(library, embedder, tmp_path):
    home = fresh(library, tmp_path)
    report = ask(home, embedder, PASA, max_papers=2)
    runner = CliRunner()
    runner.invoke(cli, ["correct", report.id, "--claim", "1", "--reason", "checked"],
                  env={"SYNTH_HOME": str(home)})
    bundle = tmp_path / "report.synth.json"
    out = runner.invoke(cli, ["export", report.id, str(bundle)], env={"SYNTH_HOME": str(home)})
    assert out.exit_code == 0 and "1 pdfs" in out.output
    elsewhere = {"SYNTH_HOME": str(tmp_path / "elsewhere")}
    assert runner.invoke(cli, ["import", str(bundle)], env=elsewhere).exit_code == 0
    audited = runner.invoke(cli, ["audit", report.id, "--json"], env=elsewhere)
    result = json.loads(audited.output)
    assert audited.exit_code == 0 and result["breaks"] == [] and result["warnings"] == []
    assert any("sha256 ok" in c["pdf_file"] for c in result["claims"])
    shown = runner.invoke(cli, ["show", report.id], env=elsewhere).output
    assert "1 corrections." in shown
    damaged = tmp_path / "damaged.json"
    damaged.write_text(bundle.read_text()[:-100])
    failed = runner.invoke(cli, ["import", str(damaged)], env=elsewhere)
    assert failed.exit_code == 9 and "not a synth bundle" in failed.output


def batch_file(path: Path, topics: list[str]) -> Path:
    path.write_text("".join(json.dumps({"question": f"Does {t} make large language model "
                                        "inference cheaper?", "max_papers": 2,
                                        "source": "library"}) + "\n" for t in topics))
    return path


def start_batch(home: Path, path: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "SYNTH_HOME": str(home)}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "synth", "batch", "-q", "--workers", "2",
                                 "--format", "json", str(path)], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def finished(home: Path) -> int:
    if not (home / "library.db").exists():
        return 0
    with open_store(home / "library.db") as store:
        try:
            return store.db.execute("SELECT COUNT(report_id) FROM batch_items").fetchone()[0]
        except sqlite3.OperationalError:  # the batch has not created its table yet
            return 0


def test_batch_killed_three_times_finishes_every_question_once(library, tmp_path):
    home = fresh(library, tmp_path)
    path = batch_file(tmp_path / "questions.jsonl", TOPICS)
    rng = random.Random(7)
    done = 0
    for _ in range(3):
        proc = start_batch(home, path, tmp_path / "batch.log")
        before, deadline = done, time.monotonic() + 300
        while done == before and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)  # kill only once this run has finished a question: mid-batch
            done = finished(home)
        time.sleep(rng.uniform(0, 1.5))
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, mid-write or not
        proc.wait()
        done = finished(home)
    assert done < 20  # the kills did cut the batch short
    final = start_batch(home, path, tmp_path / "batch.log")
    assert final.wait(timeout=600) == 0, (tmp_path / "batch.log").read_text()[-3000:]
    settings = load_settings(env={}, home=home)
    with open_store(settings.db_path) as store:
        rows = store.db.execute("SELECT line, report_id FROM batch_items").fetchall()
        assert len(rows) == 20 and all(rid for _, rid in rows)
        for _, rid in rows:
            assert store.report_versions(rid) == [1]  # each question finished exactly once
            assert not audit(store, settings.pdf_dir, rid).breaks
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_two_batches_on_one_library_at_once(library, tmp_path):
    home = fresh(library, tmp_path)
    a = start_batch(home, batch_file(tmp_path / "a.jsonl", TOPICS[:3]), tmp_path / "a.log")
    b = start_batch(home, batch_file(tmp_path / "b.jsonl", TOPICS[3:6]), tmp_path / "b.log")
    assert a.wait(timeout=600) == 0, (tmp_path / "a.log").read_text()[-2000:]
    assert b.wait(timeout=600) == 0, (tmp_path / "b.log").read_text()[-2000:]
    with open_store(home / "library.db") as store:
        assert len(store.reports()) == 6


def test_disk_full_mid_write_loses_nothing_already_stored(library, embedder, tmp_path):
    home = fresh(library, tmp_path)
    report = ask(home, embedder, QUANT, max_papers=2)
    db = home / "library.db"
    with open_store(db) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        papers = store.counts()["papers"]
    limit = db.stat().st_size + 64 * 1024  # room for a little, not for 3,000 more papers
    script = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
              f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
              "from synth.cli import main; sys.argv = ['synth', 'ingest', '--no-embed', "
              f"{str(BIBLE)!r}]; main()")
    result = subprocess.run([sys.executable, "-c", script], env={**os.environ,
                            "SYNTH_HOME": str(home)}, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "failed" in result.stderr and "rolled back" in result.stderr
    settings = load_settings(env={}, home=home)
    with open_store(db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.counts()["papers"] >= papers
        assert load_report(store, report.id).claims == report.claims
        assert not audit(store, settings.pdf_dir, report.id).breaks


def test_a_done_batch_item_is_never_stored_twice(tmp_path):
    """A task retried after its first try stored the report (the worker died before it could
    say so) stores nothing: the item keeps its one report and version."""
    with open_store(tmp_path / "library.db") as store:
        store.add_batch_items("b1", [(1, "Does X help?", "{}")])
        assert not store.batch_item_done("b1", 1)
        first = store.save_report("r1", "Does X help?", "t", 5.0, True, 0, lambda v: "{}",
                                  batch_item=("b1", 1))
        assert store.batch_item_done("b1", 1)
        again = store.save_report("r1", "Does X help?", "t", 5.0, True, 0, lambda v: "{}",
                                  batch_item=("b1", 1))
        assert again == first == 1
        assert store.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 1
        assert store.save_report("r1", "Does X help?", "t", 5.0, True, 0, lambda v: "{}") == 2


def test_a_question_drafted_on_a_copy_of_the_library_is_stored_once_by_the_driver(library,
                                                                                  tmp_path):
    """The Ray engine's batch: a worker reads its own copy of the library and returns the
    report unstored; the driver stores it as the item's and writes its files, and a second
    arrival of the same item (a task run twice) stores nothing."""
    from synth.pipeline.batch import Draft, draft_item, read_batch, store_draft

    driver = fresh(library, tmp_path / "driver")
    node = fresh(library, tmp_path / "node")  # the worker node's copy
    batch_id, items = read_batch(batch_file(tmp_path / "q.jsonl", TOPICS[:1]))
    settings = load_settings(env={}, home=driver)
    with open_store(settings.db_path) as store:
        store.add_batch_items(batch_id, [(i.line, i.question, "{}") for i in items])
    line, drafted, error = draft_item(load_settings(env={}, home=node), items[0])
    assert (line, error) == (1, None) and drafted and drafted.extractions
    with open_store(node / "library.db") as copy:
        assert copy.reports() == []  # the worker stored its stages' work, not the report
    out = tmp_path / "out"
    with open_store(settings.db_path) as store:
        assert store_draft(store, settings, batch_id, 1, drafted, out, ["json"]) is None
        assert store_draft(store, settings, batch_id, 1, drafted, out, ["json"]) is None
        (row,) = store.batch_items(batch_id)
        assert row["report_id"] and row["version"] == 1
        assert store.report_versions(row["report_id"]) == [1]
        assert not audit(store, settings.pdf_dir, row["report_id"]).breaks
        stored = load_report(store, row["report_id"])
    assert stored.question == items[0].question and stored.claims
    assert json.loads((out / f"{stored.id}-v1.json").read_text())["id"] == stored.id
    elsewhere = load_settings(env={}, home=tmp_path / "elsewhere")  # a node without the library
    _, none, failed = draft_item(elsewhere, items[0])
    assert none is None and failed and "is not on the worker node" in failed
    assert not elsewhere.db_path.exists()  # no empty library made there
    stale = drafted.extractions[0].claims[0]  # a worker's copy whose text is not the driver's
    moved = drafted.extractions[0].model_copy(update={"claims": [stale.model_copy(
        update={"char_start": stale.char_start + 1})]})
    other = fresh(library, tmp_path / "other")
    with open_store(other / "library.db") as store:
        store.add_batch_items(batch_id, [(i.line, i.question, "{}") for i in items])
        error = store_draft(store, settings, batch_id, 1,
                            Draft(drafted.report, [moved]), None, [])
        assert error and "quote is not the stored text" in error
        assert store.reports() == [] and not store.batch_item_done(batch_id, 1)
