"""synth: automated literature synthesis with claim verification.

The pipeline, one package per stage (docs/architecture.md maps them): library (sources and
ingest) -> parsing -> search -> claims -> verification -> report -> cards, run in one straight
line by pipeline; records holds the typed records they pass, store all SQL, llm the one LLM
seam, and cli the thin command line.
"""

__version__ = "0.2.1"
