"""synth: automated literature synthesis with claim verification.

Stages, one module each: sources (arxiv_source, snapshot, ingest) -> parse/chunk -> store ->
embed/search. Records live in :mod:`synth.records.papers`; all SQL lives in :mod:`synth.store.db`.
"""

__version__ = "0.2.0"
