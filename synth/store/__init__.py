"""Store: the library database, the only place that writes SQL.

:mod:`~synth.store.db` holds :class:`~synth.store.db.Store` and
:func:`~synth.store.db.open_store` (SQLite through sqlite-utils, WAL, one transaction per unit
of work); :mod:`~synth.store.migrations` the schema, one migration per change.

May import: synth.errors, synth.records.
"""
