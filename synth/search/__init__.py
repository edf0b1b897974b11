"""Search: finding the passages and papers that bear on a text.

:mod:`~synth.search.embed` (sentence embeddings, cached by text hash),
:mod:`~synth.search.ann` (dense search: exact, or an HNSW index file for a large library),
:mod:`~synth.search.hybrid` (:class:`~synth.search.hybrid.Searcher`: BM25 and embeddings
fused by reciprocal rank), :mod:`~synth.search.retrieve` (the retrieve stage of a run: arXiv
when asked, then the library), :mod:`~synth.search.screen` (the relevance screen),
:mod:`~synth.search.question` (what a question asks: its kind, aspects and named things) and
:mod:`~synth.search.statement` (a yes/no question as a statement, and its outcome).

May import: synth.errors, synth.config, synth.records, synth.store, synth.library.
"""
