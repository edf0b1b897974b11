"""Reports: versions, corrections, batch items, and the rows of export bundles."""

from __future__ import annotations

from collections.abc import Callable

from synth.store.base import StoreBase, now


class ReportRows(StoreBase):
    """Reports: versions, corrections, batch items, and the rows of export bundles."""

    def save_report(self, report_id: str, question: str, created: str, score: float,
                    answerable: bool, claims: int, dump: Callable[[int], str],
                    batch_item: tuple[str, int] | None = None) -> int:
        """Append a report as the next version of ``report_id`` (never overwriting one);
        ``dump(version)`` gives its JSON. Returns the version. With ``batch_item`` (batch id,
        line) that item is marked done in the same transaction, so a killed batch never
        finishes a question twice; when that item is done already (a retried task), nothing
        is stored and the version it holds is returned."""
        with self.write() as db:
            if batch_item is not None:
                held = db.execute("SELECT version FROM batch_items WHERE batch_id = ? AND "
                                  "line = ? AND report_id IS NOT NULL", list(batch_item)).fetchone()
                if held:
                    return held[0]
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
                           [report_id, version, now(), *batch_item])
        return version

    def report_versions(self, report_id: str) -> list[int]:
        return [v for (v,) in self.db.execute(
            "SELECT version FROM reports WHERE id = ? ORDER BY version", [report_id])]

    def report_ids_like(self, text: str, limit: int = 6) -> list[str]:
        """The stored report ids ``text`` names: itself when it is one, else (up to
        ``limit``) the ids it is a prefix of. Compared as plain text, never as a pattern."""
        if not text or len(text) > 200:
            return []
        if self.db.execute("SELECT 1 FROM reports WHERE id = ? LIMIT 1", [text]).fetchone():
            return [text]
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT id FROM reports WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?",
            [len(text), text, limit])]

    def add_correction(self, row: dict) -> None:
        with self.write() as db:
            db.table("corrections").insert({**row, "at": now()}, pk="id")

    def corrections(self, report_id: str) -> list[dict]:
        return self._dicts("SELECT claim, claim_id, who, at, label, reason, version "
                           "FROM corrections WHERE report_id = ? ORDER BY id", [report_id])

    def add_batch_items(self, batch_id: str, items: list[tuple[int, str, str]]) -> None:
        """Register (line, question, options JSON) items; ones already known are kept."""
        with self.write() as db:
            for line, question, options in items:
                db.execute("INSERT OR IGNORE INTO batch_items (batch_id, line, question, "
                           "options) VALUES (?, ?, ?, ?)", [batch_id, line, question, options])

    def batch_item_done(self, batch_id: str, line: int) -> bool:
        return self.db.execute("SELECT 1 FROM batch_items WHERE batch_id = ? AND line = ? AND "
                               "report_id IS NOT NULL", [batch_id, line]).fetchone() is not None

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
        :meth:`report_ids_like`."""
        row = self.db.execute(
            "SELECT report FROM reports WHERE id = ? AND (? IS NULL OR version = ?) "
            "ORDER BY version DESC LIMIT 1", [report_id, version, version]).fetchone()
        return row[0] if row else None

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
        """Write a bundle's rows (checked by :func:`synth.report.bundle.read_bundle`) in one
        transaction. Only new rows are added: a paper, claim, cached answer or report version
        the library already has is kept as it is (the caller leaves out the papers it has, so
        their texts and passages are never replaced)."""
        with self.write() as db:
            for table, pk in (("papers", "id"), ("texts", "paper_id"), ("extractions", "id"),
                              ("claims", "id"), ("llm_cache", "key"),
                              ("reports", ("id", "version"))):
                db.table(table).insert_all(rows[table], pk=pk, ignore=True)
            db.table("passages").insert_all(rows["passages"], pk="pk")
            known = {(r[0], r[1]) for r in db.execute("SELECT key, attempt FROM llm_calls")}
            db.table("llm_calls").insert_all((r for r in rows["llm_calls"]
                                              if (r["key"], r["attempt"]) not in known), pk="id")
            seen = {(r[0], r[1], r[2]) for r in db.execute(
                "SELECT report_id, at, reason FROM corrections")}
            db.table("corrections").insert_all((r for r in rows["corrections"] if (
                r["report_id"], r["at"], r["reason"]) not in seen), pk="id")
