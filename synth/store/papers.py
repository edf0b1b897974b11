"""The library's papers: papers, full texts, passages, parse problems, embeddings and the
FTS5 index."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice

import numpy as np
import sqlite_utils

from synth.records.papers import Paper, ParsedText, ParseProblem, Passage, sha256_text
from synth.store.base import StoreBase, now, paper_from_row

# Above this many allowed passages, a filtered full-text search filters the ranked matches
# rather than pass the passages to SQLite (:meth:`PaperRows.fts_search`).
FTS_IN_LIST_MAX = 200


class PaperRows(StoreBase):
    """The library's papers: papers, full texts, passages, parse problems, embeddings and the"""

    def paper_state(self, paper_id: str) -> tuple[str, str] | None:
        """(record_sha, fulltext_kind) of a stored paper, or None."""
        row = self.db.execute("SELECT record_sha, fulltext_kind FROM papers WHERE id = ?",
                              [paper_id]).fetchone()
        return (row[0], row[1]) if row else None

    def paper_states(self, paper_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        return {pid: (sha, kind) for pid, sha, kind in self._select_in(
            "SELECT id, record_sha, fulltext_kind FROM papers WHERE id IN ({marks})", paper_ids)}

    def get_paper(self, paper_id: str) -> Paper | None:
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", [paper_id]).fetchone()
        if row is None:
            return None
        cols = [d[0] for d in self.db.execute("SELECT * FROM papers LIMIT 0").description]
        return paper_from_row(dict(zip(cols, row)))

    def latest_version(self, base_id: str) -> Paper | None:
        row = self.db.execute(
            "SELECT id FROM papers WHERE base_id = ? ORDER BY version DESC LIMIT 1",
            [base_id]).fetchone()
        return self.get_paper(row[0]) if row else None

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

    def add_problems(self, problems: Iterable[ParseProblem], replace: bool = True) -> None:
        """Store problems; with ``replace``, a file's earlier problems (those of no paper)
        go first. A snapshot import clears them once and adds its batches' problems."""
        with self.write() as db:
            self._add_problems(db, problems, replace)

    def _add_problems(self, db: sqlite_utils.Database, problems: Iterable[ParseProblem],
                      replace: bool = True) -> None:
        rows = [{**p.model_dump(), "at": now()} for p in problems]
        for path in {r["path"] for r in rows if replace and r["path"] and not r["paper_id"]}:
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
        query = ("SELECT rowid, bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?"
                 "{where} ORDER BY bm25(passages_fts)")
        rows: Iterable[tuple[int, float]]
        if allowed is None:
            rows = self.db.execute(query.format(where="") + " LIMIT ?", [match, limit])
        elif len(allowed) > FTS_IN_LIST_MAX:
            # FTS5 runs the MATCH once per value of a rowid IN list, so a long list is slow:
            # walk the ranked matches instead and keep the allowed ones
            ranked = self.db.execute(query.format(where=""), [match])
            rows = islice((r for r in ranked if r[0] in allowed), limit)
        else:
            rows = self.db.execute(
                query.format(where=f" AND rowid IN ({','.join('?' * len(allowed))})")
                + " LIMIT ?", [match, *sorted(allowed), limit])
        return [(r[0], -r[1]) for r in rows]

    def fts_count(self, match: str, cap: int) -> int:
        """How many passages an FTS5 MATCH expression matches, counted up to ``cap``."""
        return self.db.execute("SELECT COUNT(*) FROM (SELECT rowid FROM passages_fts WHERE "
                               "passages_fts MATCH ? LIMIT ?)", [match, cap]).fetchone()[0]

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

    def text_info(self, paper_id: str) -> tuple[str | None, str | None]:
        """(full-text kind 'pdf' or 'metadata', sha256 of the stored full text)."""
        row = self.db.execute(
            "SELECT p.fulltext_kind, t.sha FROM papers p LEFT JOIN texts t ON t.paper_id = p.id "
            "WHERE p.id = ?", [paper_id]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_paper_url(self, paper_id: str, url: str) -> None:
        with self.write() as db:
            db.execute("UPDATE papers SET url = ? WHERE id = ?", [url, paper_id])

    def passage(self, passage_id: str) -> dict | None:
        rows = self._dicts("SELECT id, paper_id, char_start, char_end, text, sha FROM "
                           "passages WHERE id = ?", [passage_id])
        return rows[0] if rows else None

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

    def passage_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def counts_by_source(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT source, COUNT(*) FROM papers GROUP BY source"))
