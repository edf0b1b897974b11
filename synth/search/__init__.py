"""Search: finding the passages and papers that bear on a text.

:mod:`~synth.search.embed` (sentence embeddings, cached by text hash),
:mod:`~synth.search.ann` (dense search: exact, or an HNSW index file for a large library),
:mod:`~synth.search.hybrid` (:class:`~synth.search.hybrid.Searcher`: BM25 and embeddings
fused by reciprocal rank), :mod:`~synth.search.retrieve` (the retrieve stage of a run: arXiv
when asked, then the library) and :mod:`~synth.search.screen` (the relevance screen).

May import: synth.errors, synth.config, synth.records, synth.store, synth.library.
"""
