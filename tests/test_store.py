"""The library file under real concurrency and real kills (subprocesses, real SQLite)."""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

from synth.library.snapshot import import_snapshot
from synth.store.db import open_store

from .test_snapshot import LLM_BIBLE


def synth_cmd(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "synth", "--home", str(home), *args]


def write_slice(path: Path, start: int, count: int) -> Path:
    with gzip.open(LLM_BIBLE, "rt", encoding="utf-8") as f:
        path.write_text("".join(islice(f, start, start + count)))
    return path


def distinct_ids(path: Path) -> int:
    import json
    return len({json.loads(line)["arxiv_id"] or json.loads(line)["bibkey"]
                for line in path.read_text().splitlines()})


def test_store_uses_wal_busy_timeout_and_migrates_once(tmp_path: Path) -> None:
    with open_store(tmp_path / "lib.db") as store:
        assert store.db.journal_mode == "wal"
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    with open_store(tmp_path / "lib.db") as store:  # reopening applies nothing twice
        names = [r[0] for r in store.db.execute("SELECT name FROM _sqlite_migrations")]
        assert names == ["m001_library", "m002_imported_records", "m003_llm_calls", "m004_claims",
                         "m005_reports", "m006_records", "m007_dense_index",
                         "m008_library_generation"]


def test_library_made_by_an_older_synth_is_migrated_with_its_data(tmp_path: Path) -> None:
    import sqlite_utils

    from synth.parsing.chunk import metadata_text
    from synth.records.papers import Paper
    from synth.store.migrations import migrations

    db = sqlite_utils.Database(tmp_path / "lib.db")
    migrations.apply(db, stop_before="m002_imported_records")
    db.close()
    paper = Paper(id="doc-1", base_id="doc-1", title="An old paper", source="snapshot")
    with open_store(tmp_path / "lib.db") as store:
        assert "imported_records" in store.db.table_names()
        store.save_paper(paper, metadata_text(paper))
        assert store.get_paper("doc-1").title == "An old paper"


def test_two_processes_ingest_into_one_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    a = write_slice(tmp_path / "a.jsonl", 0, 1500)
    b = write_slice(tmp_path / "b.jsonl", 1500, 1500)
    procs = [subprocess.Popen(synth_cmd(home, "ingest", "--no-embed", "-q", str(f)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    with open_store(home / "library.db") as store:
        assert store.counts()["papers"] == distinct_ids(a) + distinct_ids(b)


def test_killed_ingest_resumes_without_duplicates_or_half_papers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    f = write_slice(tmp_path / "big.jsonl", 0, 4000)
    proc = subprocess.Popen(synth_cmd(home, "ingest", "--no-embed", "-q", str(f)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = home / "library.db"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill once some batches are committed, not all
        time.sleep(0.05)
        try:
            n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM papers").fetchone()[0]
        except sqlite3.Error:
            continue
        if n > 0:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with open_store(db) as store:
        before = {r[0] for r in store.db.execute("SELECT id FROM papers")}
        assert 0 < len(before) < distinct_ids(f)
        rerun = import_snapshot(store, f)
        assert not before & set(rerun.added)  # what was stored before the kill is not redone
        assert store.counts()["papers"] == distinct_ids(f)
        orphans = store.db.execute(
            "SELECT COUNT(*) FROM papers p WHERE NOT EXISTS (SELECT 1 FROM passages s WHERE s.paper_id = p.id) "
            "OR NOT EXISTS (SELECT 1 FROM texts t WHERE t.paper_id = p.id)").fetchone()[0]
        assert orphans == 0
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_new_library_opens_while_another_process_holds_it(tmp_path: Path) -> None:
    """Two processes creating one library at once: the switch to WAL finds it locked, and
    SQLite does not wait on its busy timeout for that, so open_store retries."""
    import threading

    path = tmp_path / "library.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE first_writer (x)")  # a new file, still in rollback-journal mode
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    with open_store(path) as store:
        assert store.db.journal_mode == "wal" and store.counts()["papers"] == 0
    other.close()
