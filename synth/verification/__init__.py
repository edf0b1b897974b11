"""Verification: a claim and the library to a verdict (supported, contradicted, insufficient)
with calibrated confidence and the evidence sentences, each at its span.

:mod:`~synth.verification.verify` (the stage: retrieve, score, decide),
:mod:`~synth.verification.scorers` (the pair-scorer interface, user models),
:mod:`~synth.verification.backends` (a scorer by name), :mod:`~synth.verification.xenc` (the
shipped cross-encoder), :mod:`~synth.verification.head` (the shipped logistic head),
:mod:`~synth.verification.judge` (the LLM judge), :mod:`~synth.verification.decide`
(deciders) and :mod:`~synth.verification.evaluate` (``synth eval scifact``).

May import: synth.errors, synth.config, synth.records, synth.store, synth.llm, synth.parsing,
synth.library, synth.search.
"""
