"""Engines: where ingest and batch work runs.

* ``local`` (default): this machine. Ingest parses and embeds in this process; ``synth batch``
  runs a pool of worker processes (:func:`synth.pipeline.batch.process_pool`).
* ``ray``: a Ray cluster (:mod:`~synth.engine.ray_engine`, ``pip install 'synth[ray]'``),
  joined at ``--ray-address`` or ``RAY_ADDRESS``, else a Ray instance started on this machine.

:mod:`~synth.engine.run` is what the commands call: ingest with its embedding and index step,
and the runner of a batch's questions, for either engine.

May import: any synth package but synth.cli.
"""

ENGINES = ("local", "ray")
