"""Where ingest and batch work runs.

* ``local`` (default): this machine. Ingest parses and embeds in this process; ``synth batch``
  runs a pool of worker processes (:func:`synth.pipeline.batch.process_pool`).
* ``ray``: a Ray cluster (:mod:`synth.engine.ray_engine`, ``pip install 'synth[ray]'``), joined
  at ``--ray-address`` or ``RAY_ADDRESS``, else a Ray instance started on this machine.
"""

ENGINES = ("local", "ray")
