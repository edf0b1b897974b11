"""Library: where papers come from and how they enter the library.

:mod:`~synth.library.arxiv_ids` (id parsing, query building), :mod:`~synth.library.arxiv`
(the polite arXiv client: one request per 3 s, retries, PDF download),
:mod:`~synth.library.snapshot` (the arXiv metadata snapshot format) and
:mod:`~synth.library.ingest` (ids, snapshot files and PDF folders into the store, resumable).

May import: synth (its version), synth.errors, synth.config, synth.records, synth.store,
synth.parsing.
"""
