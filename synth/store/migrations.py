"""The library's schema, as sqlite-utils ``Migrations``: each function one change, applied in
order by :func:`synth.store.db.open_store`, never edited once released (add a new one).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("synth")


@migrations()
def m001_library(db: sqlite_utils.Database) -> None:
    db.table("papers").create({
        "id": str, "base_id": str, "version": int, "title": str, "authors": str,
        "abstract": str, "published": str, "updated": str, "categories": str,
        "licence": str, "source": str, "pdf_sha256": str, "url": str,
        "record_sha": str, "fulltext_kind": str,
    }, pk="id")
    db.table("papers").create_index(["base_id"])
    db.table("texts").create({"paper_id": str, "text": str, "sha": str, "pages": int}, pk="paper_id",
                       foreign_keys=[("paper_id", "papers", "id")])
    db.table("passages").create({
        "pk": int, "id": str, "paper_id": str, "ordinal": int, "page": int, "section": str,
        "char_start": int, "char_end": int, "text": str, "sha": str,
    }, pk="pk", foreign_keys=[("paper_id", "papers", "id")])
    db.table("passages").create_index(["id"], unique=True)
    db.table("passages").create_index(["paper_id"])
    db.table("passages").create_index(["sha"])
    db.table("passages").enable_fts(["text"], create_triggers=True, tokenize="porter")
    db.table("embeddings").create({"sha": str, "model": str, "dim": int, "vector": bytes},
                            pk=("sha", "model"))
    db.table("parse_problems").create({
        "id": int, "paper_id": str, "path": str, "kind": str, "page": int, "detail": str,
        "at": str,
    }, pk="id")
    db.table("parse_problems").create_index(["paper_id"])
    db.table("parse_problems").create_index(["path"])


@migrations()
def m002_imported_records(db: sqlite_utils.Database) -> None:
    """sha256 of every snapshot record imported, so a re-import skips it unparsed."""
    db.table("imported_records").create({"sha": str, "paper_id": str}, pk="sha")


@migrations()
def m003_llm_calls(db: sqlite_utils.Database) -> None:
    db.table("llm_calls").create({
        "id": int, "at": str, "key": str, "attempt": int, "template": str,
        "template_hash": str, "prompt_sha": str, "prompt": str, "model": str, "base_url": str,
        "mode": str, "response": str, "error": str, "tokens_in": int, "tokens_out": int,
        "seconds": float, "cost": float,
    }, pk="id")
    db.table("llm_calls").create_index(["key"])
    db.table("llm_cache").create({"key": str, "value": str, "valid": int, "attempts": int,
                            "at": str}, pk="key")


@migrations()
def m004_claims(db: sqlite_utils.Database) -> None:
    db.table("extractions").create({
        "id": str, "paper_id": str, "question": str, "extractor": str, "model": str,
        "template_hash": str, "stats": str, "problems": str, "at": str,
    }, pk="id", foreign_keys=[("paper_id", "papers", "id")])
    db.table("extractions").create_index(["paper_id"])
    db.table("claims").create({
        "id": str, "extraction_id": str, "ordinal": int, "paper_id": str, "passage_id": str,
        "page": int, "char_start": int, "char_end": int, "quote": str, "text": str,
        "claim_type": str, "numbers": str, "extractor": str, "model": str,
        "template_hash": str, "llm_call": str,
    }, pk="id", foreign_keys=[("extraction_id", "extractions", "id"),
                              ("paper_id", "papers", "id")])
    db.table("claims").create_index(["extraction_id"])
    db.table("claims").create_index(["paper_id"])


@migrations()
def m005_reports(db: sqlite_utils.Database) -> None:
    db.table("verdicts").create({"key": str, "claim_id": str, "scorer": str, "verdict": str,
                           "at": str}, pk="key")
    db.table("reports").create({"id": str, "version": int, "question": str, "created": str,
                          "score": float, "answerable": int, "claims": int, "report": str},
                         pk=("id", "version"))


@migrations()
def m006_records(db: sqlite_utils.Database) -> None:
    """Corrections (append-only) and batch progress."""
    db.table("corrections").create({
        "id": int, "report_id": str, "version": int, "claim": int, "claim_id": str,
        "who": str, "at": str, "label": str, "reason": str,
    }, pk="id")
    db.table("corrections").create_index(["report_id"])
    db.table("batch_items").create({
        "batch_id": str, "line": int, "question": str, "options": str, "report_id": str,
        "version": int, "at": str,
    }, pk=("batch_id", "line"))


@migrations()
def m007_dense_index(db: sqlite_utils.Database) -> None:
    """What the ANN index file beside the library holds: one row per passage (pk and text
    sha256) per embedding model, so the index is kept in step without a rebuild."""
    db.table("dense_index").create({"model": str, "pk": int, "sha": str}, pk=("model", "pk"))


@migrations()
def m008_library_generation(db: sqlite_utils.Database) -> None:
    """A counter that every change to passages or embeddings moves (triggers), and the value
    at which each model's dense search was last found in step: a search process that finds
    the counter unmoved skips the in-step checks, which read every passage."""
    db.execute("CREATE TABLE library_generation (id INTEGER PRIMARY KEY CHECK (id = 1), "
               "n INTEGER NOT NULL)")
    db.execute("INSERT INTO library_generation VALUES (1, 0)")
    for table in ("passages", "embeddings"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_{event.lower()}_generation AFTER {event} ON "
                       f"{table} BEGIN UPDATE library_generation SET n = n + 1; END")
    db.table("dense_in_step").create({"model": str, "generation": int, "kind": str,
                                      "ann_min": int}, pk="model")
