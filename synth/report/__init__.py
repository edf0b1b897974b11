"""Report: from verified claims to a reviewed, rendered, auditable report.

:mod:`~synth.report.sections` (answerability, limitations, methodology, manifest and the
other parts computed from the stages' outputs), :mod:`~synth.report.review` (the reviewer
panel), :mod:`~synth.report.synthesize` (the
abstract, offline or by the LLM and checked), :mod:`~synth.report.render` (Markdown, HTML,
JSON through the templates), :mod:`~synth.report.history` (versions, corrections, diffs),
:mod:`~synth.report.audit` (re-checking every claim's lineage) and
:mod:`~synth.report.bundle` (export and import).

May import: synth (its version), synth.errors, synth.config, synth.records, synth.store,
synth.llm, synth.parsing, synth.library, synth.search, synth.claims, synth.verification,
synth.answer.
"""
