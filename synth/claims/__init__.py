"""Claims: a paper (and a question) to claims, each resting on a verbatim quote and its span.

:mod:`~synth.claims.extract` (the stage: offline or LLM extractor, stored per paper),
:mod:`~synth.claims.sentences` (what both extractors read), :mod:`~synth.claims.llm` (the LLM
extractor, every quote checked in code), :mod:`~synth.claims.cues` (claim-cue rules) and
:mod:`~synth.claims.quotes` (locating a quote in its passage).

May import: synth.errors, synth.config, synth.records, synth.store, synth.llm, synth.parsing,
synth.library, synth.search (the question's terms).
"""
