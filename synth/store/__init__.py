"""Store: the library database, the only package that writes SQL.

:mod:`~synth.store.db` holds :class:`~synth.store.db.Store` and
:func:`~synth.store.db.open_store` (SQLite through sqlite-utils, WAL, one transaction per unit
of work); the store's methods are grouped by table in :mod:`~synth.store.papers` (papers,
texts, passages, problems, embeddings, FTS5), :mod:`~synth.store.work` (LLM calls and cache,
verdicts, extractions, claims) and :mod:`~synth.store.reports` (reports, corrections,
batches, bundles), on :mod:`~synth.store.base` (the connection and transactions);
:mod:`~synth.store.migrations` holds the schema, one migration per change.

May import: synth.errors, synth.records.
"""
