"""The answer stage: how far the kept papers answer the question, and what they answer.

:mod:`synth.search.question` reads the question (yes/no or open, its statement, aspects and
named things), :mod:`synth.answer.relevance` scores each claim's relevance to it, and
:mod:`synth.answer.answer` turns the on-point claims into the report's
:class:`~synth.records.reports.Answer`: the stance of each paper (a yes/no question's
``P(yes)`` per paper from the fitted model of :mod:`synth.answer.stance`) and the verdict
(yes / no / mixed / partly answered / not answered, or the key findings of an open question).
With an LLM for the answer stage, :mod:`synth.answer.judge` has the LLM judge each paper's
``P(yes)`` in the stance model's place.

May import: synth.errors, synth.config, synth.records, synth.search, synth.verification,
synth.llm, synth.claims (what a claim's wording says: whether it refers back to an earlier
sentence).
"""
