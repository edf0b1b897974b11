"""The library database: the only module that writes SQL.

SQLite through sqlite-utils, WAL journal and a busy timeout so that several synth processes
can share one library; every write that belongs together (a paper, its full text, its
passages and its parse problems) is one ``BEGIN IMMEDIATE`` transaction, so a killed run
never leaves a half-written paper behind. Schema changes are sqlite-utils ``Migrations``.

Tables: papers, texts (one full text per paper), passages (+ passages_fts, an external-content
FTS5 index kept in sync by triggers), embeddings (by passage-text sha256 and model, so the same
text is never embedded twice), parse_problems; llm_calls (one row per HTTP call to an LLM)
and llm_cache (validated answers by request hash); extractions and claims (a claim row is
refused unless its quote is exactly the stored full text at its span).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlite_utils

from synth.errors import StoreError
from synth.records.claims import Claim, Extraction, ExtractionStats
from synth.records.papers import Paper, ParsedText, ParseProblem, Passage, sha256_text
from synth.store.migrations import migrations

BUSY_TIMEOUT_MS = 30_000
class Store:
    """An open library. Use :func:`open_store`; close with :meth:`close` or a ``with`` block."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction, taken with BEGIN IMMEDIATE so concurrent writers queue on the
        busy timeout instead of failing half way."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise StoreError(f"library {self.path} is locked by another process ({err})",
                             "wait for the other synth to finish and run again") from err
        try:
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as err:  # disk full, I/O error, a corrupt page
            self._rollback()
            raise StoreError(f"writing to library {self.path} failed ({err}); this change "
                             "was rolled back", "free disk space or check the disk, then run "
                             "again: what was stored before is intact") from err
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already (it
            self.db.execute("ROLLBACK")  # does on some I/O errors)

    # ---- papers -------------------------------------------------------------------------

    def paper_state(self, paper_id: str) -> tuple[str, str] | None:
        """(record_sha, fulltext_kind) of a stored paper, or None."""
        row = self.db.execute("SELECT record_sha, fulltext_kind FROM papers WHERE id = ?",
                              [paper_id]).fetchone()
        return (row[0], row[1]) if row else None

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

    def paper_states(self, paper_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        return {pid: (sha, kind) for pid, sha, kind in self._select_in(
            "SELECT id, record_sha, fulltext_kind FROM papers WHERE id IN ({marks})", paper_ids)}

    def get_paper(self, paper_id: str) -> Paper | None:
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", [paper_id]).fetchone()
        if row is None:
            return None
        cols = [d[0] for d in self.db.execute("SELECT * FROM papers LIMIT 0").description]
        return _paper_from_row(dict(zip(cols, row)))

    def latest_version(self, base_id: str) -> Paper | None:
        row = self.db.execute(
            "SELECT id FROM papers WHERE base_id = ? ORDER BY version DESC LIMIT 1",
            [base_id]).fetchone()
        return self.get_paper(row[0]) if row else None

    def fulltext(self, paper_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM texts WHERE paper_id = ?", [paper_id]).fetchone()
        return row[0] if row else None

    def save_paper(self, paper: Paper, parsed: ParsedText) -> None:
        """Store a paper with its full text, passages and problems, replacing what it had."""
        with self.write() as db:
            self._save_paper(db, paper, parsed)

    def save_papers(self, items: Iterable[tuple[Paper, ParsedText]],
                    imported: Iterable[tuple[str, str]] = ()) -> None:
        """Several papers in one transaction (snapshot imports write in batches), with the
        (record sha256, paper id) of the snapshot records they came from."""
        with self.write() as db:
            for paper, parsed in items:
                self._save_paper(db, paper, parsed)
            db.table("imported_records").upsert_all(
                ({"sha": sha, "paper_id": pid} for sha, pid in imported), pk="sha")

    def imported_records(self, shas: list[str]) -> dict[str, str]:
        """record sha256 -> paper id, for those of ``shas`` imported before."""
        return dict(self._select_in(
            "SELECT sha, paper_id FROM imported_records WHERE sha IN ({marks})", shas))

    def _save_paper(self, db: sqlite_utils.Database, paper: Paper, parsed: ParsedText) -> None:
        row = paper.model_dump()
        row.update(authors=json.dumps(paper.authors), categories=json.dumps(paper.categories),
                   record_sha=paper.record_sha(), fulltext_kind=parsed.kind)
        db.table("papers").upsert(row, pk="id")
        db.table("texts").upsert({"paper_id": paper.id, "text": parsed.fulltext,
                            "sha": sha256_text(parsed.fulltext), "pages": parsed.pages}, pk="paper_id")
        db.execute("DELETE FROM passages WHERE paper_id = ?", [paper.id])
        db.table("passages").insert_all(
            ({**p.model_dump(), "sha": p.sha} for p in parsed.passages), pk="pk")
        db.execute("DELETE FROM parse_problems WHERE paper_id = ?", [paper.id])
        self._add_problems(db, parsed.problems)

    # ---- problems -----------------------------------------------------------------------

    def add_problems(self, problems: Iterable[ParseProblem]) -> None:
        with self.write() as db:
            self._add_problems(db, problems)

    def _add_problems(self, db: sqlite_utils.Database, problems: Iterable[ParseProblem]) -> None:
        rows = [{**p.model_dump(), "at": _now()} for p in problems]
        for path in {r["path"] for r in rows if r["path"] and not r["paper_id"]}:
            db.execute("DELETE FROM parse_problems WHERE path = ? AND paper_id IS NULL", [path])
        if rows:
            db.table("parse_problems").insert_all(rows, pk="id")

    def clear_path_problems(self, path: str) -> None:
        with self.write() as db:
            db.execute("DELETE FROM parse_problems WHERE path = ? AND paper_id IS NULL", [path])

    def problems(self) -> list[ParseProblem]:
        rows = self.db.execute(
            "SELECT paper_id, path, kind, page, detail FROM parse_problems ORDER BY id").fetchall()
        return [ParseProblem(paper_id=r[0], path=r[1], kind=r[2], page=r[3], detail=r[4])
                for r in rows]

    # ---- passages and embeddings --------------------------------------------------------

    def passages_without_embedding(self, model: str) -> list[tuple[str, str]]:
        """(sha, text) of every distinct passage text not yet embedded with ``model``."""
        return self.db.execute(
            "SELECT p.sha, MIN(p.text) FROM passages p LEFT JOIN embeddings e "
            "ON e.sha = p.sha AND e.model = ? WHERE e.sha IS NULL GROUP BY p.sha",
            [model]).fetchall()

    def save_embeddings(self, model: str, shas: list[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        with self.write() as db:
            db.table("embeddings").upsert_all(
                ({"sha": s, "model": model, "dim": int(v.shape[0]), "vector": v.tobytes()}
                 for s, v in zip(shas, vectors)), pk=("sha", "model"))

    def embeddings_for(self, model: str, shas: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of ``model`` for those of ``shas`` that have one."""
        return {sha: np.frombuffer(vec, dtype=np.float32) for sha, vec in self._select_in(
            "SELECT sha, vector FROM embeddings WHERE model = ? AND sha IN ({marks})", shas, model)}

    def embedding_matrix(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(passage pks, float32 matrix) for every passage embedded with ``model``."""
        rows = self.db.execute(
            "SELECT p.pk, e.vector, e.dim FROM passages p JOIN embeddings e "
            "ON e.sha = p.sha AND e.model = ? ORDER BY p.pk", [model]).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
        return pks, matrix.reshape(len(rows), rows[0][2])

    def fts_search(self, match: str, limit: int,
                   allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(passage pk, bm25 score where higher is better) for an FTS5 MATCH expression,
        optionally only among the ``allowed`` passage pks."""
        if not match or allowed == set():
            return []
        where = ""
        args: list[object] = [match]
        if allowed is not None:
            where = f" AND rowid IN ({','.join('?' * len(allowed))})"
            args += sorted(allowed)
        rows = self.db.execute(
            "SELECT rowid, bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?"
            f"{where} ORDER BY bm25(passages_fts) LIMIT ?", [*args, limit]).fetchall()
        return [(r[0], -r[1]) for r in rows]

    def paper_ids(self) -> list[str]:
        return [pid for (pid,) in self.db.execute("SELECT id FROM papers ORDER BY id")]

    def passage_texts(self) -> list[tuple[int, str]]:
        return self.db.execute("SELECT pk, text FROM passages ORDER BY pk").fetchall()

    def hits_rows(self, pks: list[int]) -> dict[int, dict]:
        """Passage rows joined with their paper's title and version, by passage pk."""
        if not pks:
            return {}
        marks = ",".join("?" * len(pks))
        cur = self.db.execute(
            "SELECT p.pk, p.paper_id, pa.version, pa.title, p.id AS passage_id, p.page, "
            "p.section, p.char_start, p.char_end, p.text FROM passages p "
            f"JOIN papers pa ON pa.id = p.paper_id WHERE p.pk IN ({marks})", pks)
        cols = [d[0] for d in cur.description]
        return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}

    def passage_pks_for_papers(self, paper_ids: list[str]) -> set[int]:
        if not paper_ids:
            return set()
        marks = ",".join("?" * len(paper_ids))
        return {r[0] for r in self.db.execute(
            f"SELECT pk FROM passages WHERE paper_id IN ({marks})", paper_ids)}

    def paper_passages(self, paper_id: str) -> list[Passage]:
        return [Passage(**row) for row in self._dicts(
            "SELECT id, paper_id, ordinal, page, section, char_start, char_end, text "
            "FROM passages WHERE paper_id = ? ORDER BY ordinal", [paper_id])]

    # ---- LLM calls and their cache ------------------------------------------------------

    def log_llm_calls(self, rows: list[dict]) -> None:
        with self.write() as db:
            db.table("llm_calls").insert_all(rows, pk="id")

    def cached_llm_answer(self, key: str) -> tuple[str, bool, int] | None:
        """(answer JSON, valid, attempts it took) of a request answered before, or None."""
        row = self.db.execute("SELECT value, valid, attempts FROM llm_cache WHERE key = ?",
                              [key]).fetchone()
        return (row[0], bool(row[1]), row[2]) if row else None

    def cache_llm_answer(self, key: str, value: str, valid: bool, attempts: int) -> None:
        with self.write() as db:
            db.table("llm_cache").upsert({"key": key, "value": value, "valid": int(valid),
                                    "attempts": attempts, "at": _now()}, pk="key")

    def llm_costs(self) -> list[dict]:
        """Calls, tokens, seconds and estimated cost by model and template; cost is None
        when any call's price was unknown."""
        return self._dicts(
            "SELECT model, template, COUNT(*) AS calls, SUM(tokens_in) AS tokens_in, "
            "SUM(tokens_out) AS tokens_out, ROUND(SUM(seconds), 2) AS seconds, "
            "CASE WHEN COUNT(cost) = COUNT(*) THEN SUM(cost) END AS cost, "
            "SUM(error IS NOT NULL) AS errors FROM llm_calls GROUP BY model, template "
            "ORDER BY model, template")

    def text_info(self, paper_id: str) -> tuple[str | None, str | None]:
        """(full-text kind 'pdf' or 'metadata', sha256 of the stored full text)."""
        row = self.db.execute(
            "SELECT p.fulltext_kind, t.sha FROM papers p LEFT JOIN texts t ON t.paper_id = p.id "
            "WHERE p.id = ?", [paper_id]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    # ---- verdicts and reports -----------------------------------------------------------

    def cached_verdict(self, key: str) -> str | None:
        row = self.db.execute("SELECT verdict FROM verdicts WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def cache_verdict(self, key: str, claim_id: str, scorer: str, verdict_json: str) -> None:
        with self.write() as db:
            db.table("verdicts").upsert({"key": key, "claim_id": claim_id, "scorer": scorer,
                                   "verdict": verdict_json, "at": _now()}, pk="key")

    def save_report(self, report_id: str, question: str, created: str, score: float,
                    answerable: bool, claims: int, dump: Callable[[int], str],
                    batch_item: tuple[str, int] | None = None) -> int:
        """Append a report as the next version of ``report_id`` (never overwriting one);
        ``dump(version)`` gives its JSON. Returns the version. With ``batch_item`` (batch id,
        line) that item is marked done in the same transaction, so a killed batch never
        finishes a question twice."""
        with self.write() as db:
            row = db.execute("SELECT MAX(version) FROM reports WHERE id = ?",
                             [report_id]).fetchone()
            version = (row[0] or 0) + 1
            db.table("reports").insert({"id": report_id, "version": version, "question": question,
                                  "created": created, "score": score,
                                  "answerable": int(answerable), "claims": claims,
                                  "report": dump(version)},
                                 pk=("id", "version"))
            if batch_item is not None:
                db.execute("UPDATE batch_items SET report_id = ?, version = ?, at = ? "
                           "WHERE batch_id = ? AND line = ?",
                           [report_id, version, _now(), *batch_item])
        return version

    def report_versions(self, report_id: str) -> list[int]:
        return [v for (v,) in self.db.execute(
            "SELECT version FROM reports WHERE id = ? ORDER BY version", [report_id])]

    def resolve_report_id(self, prefix: str) -> str | None:
        rows = self.db.execute("SELECT DISTINCT id FROM reports WHERE id LIKE ? || '%'",
                               [prefix]).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    # ---- corrections and batches --------------------------------------------------------

    def add_correction(self, row: dict) -> None:
        with self.write() as db:
            db.table("corrections").insert({**row, "at": _now()}, pk="id")

    def corrections(self, report_id: str) -> list[dict]:
        return self._dicts("SELECT claim, claim_id, who, at, label, reason, version "
                           "FROM corrections WHERE report_id = ? ORDER BY id", [report_id])

    def add_batch_items(self, batch_id: str, items: list[tuple[int, str, str]]) -> None:
        """Register (line, question, options JSON) items; ones already known are kept."""
        with self.write() as db:
            for line, question, options in items:
                db.execute("INSERT OR IGNORE INTO batch_items (batch_id, line, question, "
                           "options) VALUES (?, ?, ?, ?)", [batch_id, line, question, options])

    def batch_items(self, batch_id: str) -> list[dict]:
        return self._dicts("SELECT line, question, options, report_id, version, at FROM "
                           "batch_items WHERE batch_id = ? ORDER BY line", [batch_id])

    def reports(self) -> list[dict]:
        """The latest version of every report, newest first."""
        return self._dicts(
            "SELECT id, MAX(version) AS version, question, created, score, answerable, claims "
            "FROM reports GROUP BY id ORDER BY created DESC, id")

    def report_json(self, report_id: str, version: int | None = None) -> str | None:
        """A report's JSON (its latest version unless one is given); for an id prefix, see
        :meth:`resolve_report_id`."""
        row = self.db.execute(
            "SELECT report FROM reports WHERE id = ? AND (? IS NULL OR version = ?) "
            "ORDER BY version DESC LIMIT 1", [report_id, version, version]).fetchone()
        return row[0] if row else None

    def get_claims(self, claim_ids: list[str]) -> list[Claim | None]:
        """Stored claims in the order of ``claim_ids`` (None for one no longer stored)."""
        found = {row["id"]: _claim_from_row(row) for row in self._rows(
            "SELECT * FROM claims WHERE id IN ({marks})", claim_ids)}
        return [found.get(cid) for cid in claim_ids]

    # ---- bundles (export / import of one report and all it cites) ----------------------

    def _rows(self, sql: str, keys: Iterable[str], *args: object) -> list[dict]:
        cur = self.db.execute(sql.format(marks="NULL") + " LIMIT 0", list(args))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in self._select_in(sql, keys, *args)]

    def bundle_rows(self, report_id: str, paper_ids: set[str], claim_ids: set[str]) -> dict:
        """Every stored row a report rests on, table by table (see :mod:`synth.report.bundle`)."""
        rows: dict[str, list[dict]] = {
            "reports": self._rows("SELECT * FROM reports WHERE id IN ({marks})", [report_id]),
            "corrections": self._rows("SELECT * FROM corrections WHERE report_id IN ({marks})",
                                      [report_id]),
            "papers": self._rows("SELECT * FROM papers WHERE id IN ({marks})", paper_ids),
            "texts": self._rows("SELECT * FROM texts WHERE paper_id IN ({marks})", paper_ids),
            "passages": self._rows("SELECT id, paper_id, ordinal, page, section, char_start, "
                                   "char_end, text, sha FROM passages WHERE paper_id IN "
                                   "({marks})", paper_ids),
            "claims": self._rows("SELECT * FROM claims WHERE id IN ({marks})", claim_ids)}
        extraction_ids = {c["extraction_id"] for c in rows["claims"]}
        keys = {c["llm_call"] for c in rows["claims"] if c["llm_call"]}
        rows["extractions"] = self._rows("SELECT * FROM extractions WHERE id IN ({marks})",
                                         extraction_ids)
        rows["llm_calls"] = self._rows("SELECT * FROM llm_calls WHERE key IN ({marks})", keys)
        rows["llm_cache"] = self._rows("SELECT * FROM llm_cache WHERE key IN ({marks})", keys)
        for row in rows["llm_calls"] + rows["corrections"]:
            row.pop("id")
        return rows

    def import_bundle_rows(self, rows: dict) -> None:
        """Write a bundle's rows in one transaction: papers, texts and passages replace what
        the library had for those papers; report versions, calls and corrections already
        present are kept as they are."""
        with self.write() as db:
            paper_ids = [p["id"] for p in rows["papers"]]
            db.table("papers").upsert_all(rows["papers"], pk="id")
            db.table("texts").upsert_all(rows["texts"], pk="paper_id")
            for pid in paper_ids:
                db.execute("DELETE FROM passages WHERE paper_id = ?", [pid])
            db.table("passages").insert_all(rows["passages"], pk="pk")
            db.table("extractions").upsert_all(rows["extractions"], pk="id")
            db.table("claims").upsert_all(rows["claims"], pk="id")
            db.table("llm_cache").upsert_all(rows["llm_cache"], pk="key")
            known = {(r[0], r[1]) for r in db.execute("SELECT key, attempt FROM llm_calls")}
            db.table("llm_calls").insert_all((r for r in rows["llm_calls"]
                                        if (r["key"], r["attempt"]) not in known), pk="id")
            db.table("reports").insert_all(rows["reports"], pk=("id", "version"), ignore=True)
            seen = {(r[0], r[1], r[2]) for r in db.execute(
                "SELECT report_id, at, reason FROM corrections")}
            db.table("corrections").insert_all((r for r in rows["corrections"] if (
                r["report_id"], r["at"], r["reason"]) not in seen), pk="id")

    def set_paper_url(self, paper_id: str, url: str) -> None:
        with self.write() as db:
            db.execute("UPDATE papers SET url = ? WHERE id = ?", [url, paper_id])

    def claim_row(self, claim_id: str) -> dict | None:
        rows = self._dicts("SELECT * FROM claims WHERE id = ?", [claim_id])
        return rows[0] if rows else None

    def passage(self, passage_id: str) -> dict | None:
        rows = self._dicts("SELECT id, paper_id, char_start, char_end, text, sha FROM "
                           "passages WHERE id = ?", [passage_id])
        return rows[0] if rows else None

    def llm_calls_for(self, key: str) -> list[dict]:
        return self._dicts("SELECT model, prompt_sha, attempt, response, tokens_in, "
                           "tokens_out FROM llm_calls WHERE key = ? ORDER BY id", [key])

    # ---- extractions and claims ---------------------------------------------------------

    def save_extraction(self, extraction: Extraction) -> None:
        """Store an extraction and its claims, replacing an earlier run with the same id.
        Every claim's quote must be the paper's full text at its span, or nothing is written."""
        text = self.fulltext(extraction.paper_id) or ""
        for claim in extraction.claims:
            if text[claim.char_start:claim.char_end] != claim.quote or not claim.quote:
                raise StoreError(f"claim {claim.id} of {claim.paper_id}: its quote is not the "
                                 f"stored text at {claim.char_start}-{claim.char_end}",
                                 "this is a bug in the extractor; nothing was stored")
        row = extraction.model_dump(exclude={"claims", "stats", "problems"})
        row.update(stats=extraction.stats.model_dump_json(),
                   problems=json.dumps(extraction.problems), at=_now())
        with self.write() as db:
            db.execute("DELETE FROM claims WHERE extraction_id = ?", [extraction.id])
            db.table("extractions").upsert(row, pk="id")
            db.table("claims").insert_all(
                ({**c.model_dump(exclude={"numbers"}), "ordinal": i,
                  "numbers": json.dumps([q.model_dump() for q in c.numbers]),
                  "extraction_id": extraction.id} for i, c in enumerate(extraction.claims)),
                pk="id")

    def get_extraction(self, extraction_id: str) -> Extraction | None:
        records = self._dicts("SELECT * FROM extractions WHERE id = ?", [extraction_id])
        if not records:
            return None
        record = records[0]
        claims = [_claim_from_row(row) for row in self._dicts(
            "SELECT * FROM claims WHERE extraction_id = ? ORDER BY ordinal", [extraction_id])]
        return Extraction(**{k: v for k, v in record.items() if k in Extraction.model_fields
                             and k not in ("stats", "problems")},
                          stats=ExtractionStats.model_validate_json(record["stats"]),
                          problems=json.loads(record["problems"] or "[]"), claims=claims)

    def counts(self) -> dict[str, int]:
        q = {
            "papers": "SELECT COUNT(*) FROM papers",
            "papers_with_pdf_text": "SELECT COUNT(*) FROM papers WHERE fulltext_kind = 'pdf'",
            "passages": "SELECT COUNT(*) FROM passages",
            "embeddings": "SELECT COUNT(*) FROM embeddings",
            "parse_problems": "SELECT COUNT(*) FROM parse_problems",
            "claims": "SELECT COUNT(*) FROM claims",
            "llm_calls": "SELECT COUNT(*) FROM llm_calls",
        }
        return {k: self.db.execute(sql).fetchone()[0] for k, sql in q.items()}

    def counts_by_source(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT source, COUNT(*) FROM papers GROUP BY source"))


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
    """Open (creating if needed) the library at ``path``, apply migrations, set WAL."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
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
    except sqlite3.DatabaseError as err:
        raise StoreError(f"cannot open library {path}: {err}",
                         "check the path, or move the file aside and re-ingest") from err
    except OSError as err:
        raise StoreError(f"cannot create library at {path}: {err}",
                         "set --home or SYNTH_HOME to a writable folder") from err
    return Store(db, path)


def _claim_from_row(row: dict) -> Claim:
    row = {k: v for k, v in row.items() if k in Claim.model_fields}
    row["numbers"] = json.loads(row.get("numbers") or "[]")
    return Claim(**row)


def _paper_from_row(row: dict) -> Paper:
    row = {k: v for k, v in row.items() if k in Paper.model_fields}
    row["authors"] = json.loads(row.get("authors") or "[]")
    row["categories"] = json.loads(row.get("categories") or "[]")
    return Paper(**row)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
