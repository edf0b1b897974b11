"""Records: the typed records every stage takes and returns, and the store persists.

Pydantic models, grouped by the stage that makes them: :mod:`~synth.records.papers` (papers,
passages, parse problems, search hits), :mod:`~synth.records.claims` (claims and
extractions), :mod:`~synth.records.verdicts` (evidence and verdicts),
:mod:`~synth.records.cards` (digest cards), :mod:`~synth.records.reports` (the report) and
:mod:`~synth.records.options` (a run's options). They double as ``instructor`` response models.

May import: nothing from synth (records are the leaves of the import graph).
"""
