"""The Ray engine on a real cluster: ``ray start --head`` on this machine plus a second worker
node process, both started and stopped here; ``synth ingest`` and ``synth batch`` run through
it as a user runs them (the real CLI, in its own process), and their results are compared
with the local engine's. One test kills a worker process in the middle of a batch."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from .test_snapshot import CSCL_2026

pytest.importorskip("ray")
RAY = Path(sys.executable).with_name("ray")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PDFS = DATA / "arxiv-pdfs"
QUESTIONS = ["Do LLM critics aligned with viewer preferences improve generated comedy?",
             "Does retrieval augmentation improve question answering?",
             "How are speech recognition systems evaluated for low-resource languages?",
             "Do large language models translate better than dedicated systems?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TOKEN = Path(tempfile.mkdtemp(prefix="ray-token-")) / "token"


def env_for(home: Path) -> dict[str, str]:
    """A process's environment: its own library, and the test cluster's token (Ray's token
    authentication, on by default for ``ray start``, with a token of its own, not the user's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNTH_", "RAY_"))}
    return env | {"SYNTH_HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0",
                  "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(TOKEN)}


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A head node and a second worker node on 127.0.0.1, one CPU each: the address."""
    port = free_port()
    temp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths
    TOKEN.write_text(secrets.token_hex(32))
    env = env_for(temp)
    common = ["--num-cpus=1", "--object-store-memory=200000000", "--disable-usage-stats"]
    subprocess.run([str(RAY), "start", "--head", "--node-ip-address=127.0.0.1",
                    f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}",
                    *common], check=True, env=env, capture_output=True)
    address = f"127.0.0.1:{port}"
    subprocess.run([str(RAY), "start", f"--address={address}", "--node-ip-address=127.0.0.1",
                    *common], check=True, env=env, capture_output=True)
    yield address
    subprocess.run([str(RAY), "stop", "--force"], env=env, capture_output=True)
    shutil.rmtree(temp, ignore_errors=True)
    shutil.rmtree(TOKEN.parent, ignore_errors=True)


def synth(home: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "synth", *args], env=env_for(home),
                          capture_output=True, text=True, timeout=timeout)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


def test_an_ingest_through_ray_equals_the_local_one(cluster: str, tmp_path: Path) -> None:
    snapshot = tmp_path / "cscl.json"
    snapshot.write_text(json.dumps(json.loads(CSCL_2026.read_text())[:30]))
    sources = [str(PDFS), str(snapshot)]
    local, remote = tmp_path / "local", tmp_path / "ray"
    done = synth(local, "ingest", "-q", *sources)
    assert done.returncode == 0, done.stderr
    done = synth(remote, "ingest", "-q", "--engine", "ray", "--ray-address", cluster, *sources)
    assert done.returncode == 0, done.stderr
    assert "added 41" in done.stdout and "embedded" in done.stdout
    for sql in ("SELECT id, title, source, pdf_sha256 FROM papers ORDER BY id",
                "SELECT id, paper_id, page, char_start, char_end, text FROM passages ORDER BY id",
                "SELECT paper_id, sha FROM texts ORDER BY paper_id"):
        assert rows(local / "library.db", sql) == rows(remote / "library.db", sql)
    vectors = "SELECT sha, vector FROM embeddings ORDER BY sha"
    mine, theirs = rows(local / "library.db", vectors), rows(remote / "library.db", vectors)
    assert [s for s, _ in mine] == [s for s, _ in theirs]
    assert np.allclose(np.frombuffer(b"".join(v for _, v in mine), dtype=np.float32),
                       np.frombuffer(b"".join(v for _, v in theirs), dtype=np.float32),
                       atol=1e-5)
    again = synth(remote, "ingest", "-q", "--engine", "ray", "--ray-address", cluster, *sources)
    assert again.returncode == 0 and "added 0, unchanged 41" in again.stdout
    assert "embedded 0" in again.stdout


def question_tasks() -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if "ray::run_question" in line]


def test_a_batch_through_ray_survives_a_killed_worker_and_equals_the_local_run(
        cluster: str, tmp_path: Path) -> None:
    snapshot = tmp_path / "cscl.json"
    snapshot.write_text(json.dumps(json.loads(CSCL_2026.read_text())[:80]))
    local, remote = tmp_path / "local", tmp_path / "ray"
    assert synth(local, "ingest", "-q", str(snapshot)).returncode == 0
    shutil.copytree(local, remote)
    questions = tmp_path / "questions.txt"
    questions.write_text("\n".join(QUESTIONS) + "\n")

    run = subprocess.Popen([sys.executable, "-m", "synth", "batch", "-q", "--json", "--engine",
                            "ray", "--ray-address", cluster, str(questions)],
                           env=env_for(remote), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and run.poll() is None and time.monotonic() < deadline:
        tasks = question_tasks()
        if tasks:
            time.sleep(2)  # into the question's work, not its first instant
            if tasks[0] in question_tasks():
                os.kill(tasks[0], signal.SIGKILL)
                killed = tasks[0]
        time.sleep(0.2)
    out, err = run.communicate(timeout=900)
    assert killed is not None, "no question task was seen running"
    assert run.returncode == 0, err
    summary = json.loads(out)
    assert [r["line"] for r in summary] == [1, 2, 3, 4]
    assert all(r["report_id"] and r["version"] == 1 and not r["error"] for r in summary)
    db = remote / "library.db"
    assert rows(db, "SELECT COUNT(*), COUNT(DISTINCT id), MAX(version) FROM reports") == [(4, 4, 1)]
    for r in summary:
        audit = synth(remote, "audit", r["report_id"])
        assert audit.returncode == 0, audit.stdout + audit.stderr

    rerun = synth(remote, "batch", "-q", "--json", "--engine", "ray", "--ray-address", cluster,
                  str(questions))
    assert rerun.returncode == 0 and json.loads(rerun.stdout) == summary
    assert rows(db, "SELECT COUNT(*) FROM reports") == [(4,)]

    mine = synth(local, "batch", "-q", "--json", "--workers", "2", str(questions))
    assert mine.returncode == 0, mine.stderr
    for ours, theirs in zip(json.loads(mine.stdout), summary):
        assert {k: ours[k] for k in ("report_id", "score", "claims", "sourced", "answerable")} \
            == {k: theirs[k] for k in ("report_id", "score", "claims", "sourced", "answerable")}
        a, b = (json.loads(rows(home / "library.db", "SELECT report FROM reports WHERE id = "
                                f"'{ours['report_id']}'")[0][0]) for home in (local, remote))
        assert a["answer"] == b["answer"]
        assert [(c["text"], c["verified"], c["stance"]) for c in a["claims"]] == \
            [(c["text"], c["verified"], c["stance"]) for c in b["claims"]]


def test_an_unreachable_cluster_is_one_line_and_nothing_runs(tmp_path: Path) -> None:
    done = synth(tmp_path / "home", "ingest", "--engine", "ray", "--ray-address",
                 f"127.0.0.1:{free_port()}", str(PDFS / "0908.0054v1.pdf"), timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith("error: no Ray cluster answers at")
    assert "ray start --head" in done.stderr
    db = tmp_path / "home" / "library.db"
    assert not db.exists() or not rows(db, "SELECT id FROM papers")


def test_without_ray_installed_the_engine_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from synth.engine.ray_engine import require_ray
    from synth.errors import EngineError

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(EngineError, match=r"pip install 'synth\[ray\]'"):
        require_ray()
