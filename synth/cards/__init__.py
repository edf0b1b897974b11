"""Cards: ``synth digest``, a card of what one paper found, every line on a quote and span.

:mod:`~synth.cards.card` (the offline card, and writing the cards a report links to) and
:mod:`~synth.cards.llm` (sections written by the LLM, each quote checked).

May import: synth.errors, synth.config, synth.records, synth.store, synth.llm, synth.parsing,
synth.claims, synth.report.
"""
