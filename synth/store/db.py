"""The library database (the store package is the only place that writes SQL).

SQLite through sqlite-utils, WAL journal and a busy timeout so that several synth processes
can share one library; every write that belongs together (a paper, its full text, its
passages and its parse problems) is one ``BEGIN IMMEDIATE`` transaction, so a killed run
never leaves a half-written paper behind. Schema changes are sqlite-utils ``Migrations``.

Tables: papers, texts (one full text per paper), passages (+ passages_fts, an external-content
FTS5 index kept in sync by triggers), embeddings (by passage-text sha256 and model, so the same
text is never embedded twice), dense_index (which passage vectors the ANN index file beside
the library holds), parse_problems; llm_calls (one row per HTTP call to an LLM)
and llm_cache (validated answers by request hash); extractions and claims (a claim row is
refused unless its quote is exactly the stored full text at its span).
"""

from __future__ import annotations

import errno
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from synth.errors import StoreError
from synth.store.base import BUSY_TIMEOUT_MS
from synth.store.index import IndexRows
from synth.store.migrations import migrations
from synth.store.papers import PaperRows
from synth.store.reports import ReportRows
from synth.store.work import WorkRows


class Store(PaperRows, IndexRows, WorkRows, ReportRows):
    """An open library. Use :func:`open_store`; close with :meth:`close` or a ``with`` block.
    Its methods are grouped by table in :mod:`~synth.store.papers`, :mod:`~synth.store.index`,
    :mod:`~synth.store.work` and :mod:`~synth.store.reports`."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _enable_wal(db: sqlite_utils.Database) -> None:
    """Switch a library to WAL. Two processes opening a new library at once can find it locked
    while the other switches (SQLite does not wait on its busy timeout for this), so retry
    until the busy timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while db.journal_mode != "wal":
        try:
            db.enable_wal()
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def open_store(path: Path) -> Store:
    """Open (creating if needed) the library at ``path``, apply migrations, set WAL.

    A library that cannot be written (a read-only mount, a file without write permission) is
    opened read-only instead: every read command works, and the first write is refused with
    one line (:attr:`Store.readonly`)."""
    conn: sqlite3.Connection | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(str(path), uri=False)
        db = sqlite_utils.Database(conn)
        _enable_wal(db)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if migrations.pending(db):
            conn.execute("BEGIN IMMEDIATE")  # serialise first-run migrations across processes
            try:
                migrations.apply(db)  # nested: sqlite-utils uses savepoints inside our transaction
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
    except (sqlite3.DatabaseError, OSError) as err:
        if conn is not None:
            conn.close()
        if _read_only(err) and path.is_file():
            return open_readonly(path)
        if isinstance(err, sqlite3.DatabaseError):
            raise StoreError(f"cannot open library {path}: {err}",
                             "check the path, or move the file aside and re-ingest") from err
        raise StoreError(f"cannot create library at {path}: {err.strerror or err}",
                         "set --home or SYNTH_HOME to a writable folder") from err
    return Store(db, path)


def _connect(target: str, uri: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False, uri=uri)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _read_only(err: Exception) -> bool:
    if isinstance(err, OSError):
        return err.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    text = str(err).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def open_readonly(path: Path) -> Store:
    """Open an existing library for reading only. Where SQLite cannot even create the WAL's
    shared-memory file (read-only media), the file is opened as immutable: read as it is,
    which is safe because nothing can write to it there either."""
    location = "file:" + quote(str(path.resolve()))
    last: sqlite3.DatabaseError | None = None
    for flags in ("?mode=ro", "?mode=ro&immutable=1"):
        try:
            conn = _connect(location + flags, uri=True)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            db = sqlite_utils.Database(conn)
            if migrations.pending(db):
                conn.close()
                raise StoreError(f"library {path} is read-only and was made by an older synth",
                                 "open it once where it can be written, to upgrade it")
            return Store(db, path, readonly=True)
        except sqlite3.DatabaseError as err:
            last = err
    raise StoreError(f"cannot open library {path}: {last}",
                     "check the path and its permissions") from last
