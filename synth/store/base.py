"""What every part of the store shares: the connection, one write transaction at a time,
and the helpers that read rows; and the conversions of rows to records."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from synth.errors import StoreError
from synth.records.claims import Claim
from synth.records.papers import Paper

BUSY_TIMEOUT_MS = 30_000


class StoreBase:
    """The connection to one library and its transactions; the table groups build on it."""

    def __init__(self, db: sqlite_utils.Database, path: Path, readonly: bool = False) -> None:
        self.db = db
        self.path = path
        self.readonly = readonly

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction, taken with BEGIN IMMEDIATE so concurrent writers queue on the
        busy timeout instead of failing half way."""
        if self.readonly:
            raise self._readonly_error()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if "readonly" in str(err):
                raise self._readonly_error() from err
            raise StoreError(f"library {self.path} is locked by another process ({err})",
                             "wait for the other synth to finish and run again") from err
        try:
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as err:  # disk full, I/O error, a corrupt page
            self._rollback()
            if "readonly" in str(err):
                raise self._readonly_error() from err
            raise StoreError(f"writing to library {self.path} failed ({err}); this change "
                             "was rolled back", "free disk space or check the disk, then run "
                             "again: what was stored before is intact") from err
        except BaseException:
            self._rollback()
            raise

    def _readonly_error(self) -> StoreError:
        return StoreError(f"library {self.path} is read-only: this command needs to write to "
                          "it", "make the folder writable, or copy the library to a writable "
                          "--home")

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already (it
            self.db.execute("ROLLBACK")  # does on some I/O errors)

    def fulltext(self, paper_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM texts WHERE paper_id = ?", [paper_id]).fetchone()
        return row[0] if row else None

    def _select_in(self, sql: str, keys: Iterable[str], *args: object) -> Iterator[tuple]:
        """Rows of ``sql``, whose ``{marks}`` stands for the keys, run over the distinct keys
        500 at a time (SQLite bounds the number of parameters); ``args`` come first."""
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            yield from self.db.execute(sql.format(marks=",".join("?" * len(chunk))),
                                       [*args, *chunk])

    def _dicts(self, sql: str, args: Iterable[object] = ()) -> list[dict]:
        """Rows of ``sql`` as dicts keyed by column name."""
        cur = self.db.execute(sql, list(args))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def _rows(self, sql: str, keys: Iterable[str], *args: object) -> list[dict]:
        cur = self.db.execute(sql.format(marks="NULL") + " LIMIT 0", list(args))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in self._select_in(sql, keys, *args)]


def claim_from_row(row: dict) -> Claim:
    row = {k: v for k, v in row.items() if k in Claim.model_fields}
    row["numbers"] = json.loads(row.get("numbers") or "[]")
    return Claim(**row)


def paper_from_row(row: dict) -> Paper:
    row = {k: v for k, v in row.items() if k in Paper.model_fields}
    row["authors"] = json.loads(row.get("authors") or "[]")
    row["categories"] = json.loads(row.get("categories") or "[]")
    return Paper(**row)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
