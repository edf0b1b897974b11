"""Pipeline: the stages in one straight line, and the commands that run it.

:mod:`~synth.pipeline.run` (question -> retrieve -> screen -> extract -> verify -> review ->
synthesize -> stored report, each stage a function returning its output, notes and seconds),
:mod:`~synth.pipeline.publish` (the report's files and its digest cards),
:mod:`~synth.pipeline.estimate` (``synth ask --dry-run``), :mod:`~synth.pipeline.batch`
(many questions in worker processes, resumable) and :mod:`~synth.pipeline.regenerate` (a new
version of a stored report from one stage on).

May import: any synth package but synth.cli.
"""
