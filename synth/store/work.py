"""Stored work: logged LLM calls and cached answers, cached verdicts, extractions and claims."""

from __future__ import annotations

import json

from synth.errors import StoreError
from synth.records.claims import Claim, Extraction, ExtractionStats
from synth.store.base import StoreBase, claim_from_row, now


class WorkRows(StoreBase):
    """Stored work: logged LLM calls and cached answers, cached verdicts, extractions and claims."""

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
                                    "attempts": attempts, "at": now()}, pk="key")

    def llm_costs(self) -> list[dict]:
        """Calls, tokens, seconds and estimated cost by model and template; cost is None
        when any call's price was unknown."""
        return self._dicts(
            "SELECT model, template, COUNT(*) AS calls, SUM(tokens_in) AS tokens_in, "
            "SUM(tokens_out) AS tokens_out, ROUND(SUM(seconds), 2) AS seconds, "
            "CASE WHEN COUNT(cost) = COUNT(*) THEN SUM(cost) END AS cost, "
            "SUM(error IS NOT NULL) AS errors FROM llm_calls GROUP BY model, template "
            "ORDER BY model, template")

    def cached_verdict(self, key: str) -> str | None:
        row = self.db.execute("SELECT verdict FROM verdicts WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def cache_verdict(self, key: str, claim_id: str, scorer: str, verdict_json: str) -> None:
        with self.write() as db:
            db.table("verdicts").upsert({"key": key, "claim_id": claim_id, "scorer": scorer,
                                   "verdict": verdict_json, "at": now()}, pk="key")

    def get_claims(self, claim_ids: list[str]) -> list[Claim | None]:
        """Stored claims in the order of ``claim_ids`` (None for one no longer stored)."""
        found = {row["id"]: claim_from_row(row) for row in self._rows(
            "SELECT * FROM claims WHERE id IN ({marks})", claim_ids)}
        return [found.get(cid) for cid in claim_ids]

    def claim_row(self, claim_id: str) -> dict | None:
        rows = self._dicts("SELECT * FROM claims WHERE id = ?", [claim_id])
        return rows[0] if rows else None

    def llm_calls_for(self, key: str) -> list[dict]:
        return self._dicts("SELECT model, prompt_sha, attempt, response, tokens_in, "
                           "tokens_out FROM llm_calls WHERE key = ? ORDER BY id", [key])

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
                   problems=json.dumps(extraction.problems), at=now())
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
        claims = [claim_from_row(row) for row in self._dicts(
            "SELECT * FROM claims WHERE extraction_id = ? ORDER BY ordinal", [extraction_id])]
        return Extraction(**{k: v for k, v in record.items() if k in Extraction.model_fields
                             and k not in ("stats", "problems")},
                          stats=ExtractionStats.model_validate_json(record["stats"]),
                          problems=json.loads(record["problems"] or "[]"), claims=claims)
