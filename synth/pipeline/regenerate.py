"""``synth regenerate``: a new version of a stored report, rerun from one stage on.

The pipeline (:func:`synth.pipeline.run.run_pipeline`) runs again with the report's recorded
options, reusing what the report stored before the stage:

- ``retrieve``: the whole run again (search, screen, extract, verify, review);
- ``extract``: the same screened papers, extracted again (LLM answers come from the cache);
- ``verify``: the same claims, verified again (stored verdicts are not reused);
- ``review``: the same verdicts, reviewed and summarised again;
- ``render``: the same content, stored again with today's templates in its manifest.
"""

from __future__ import annotations

from datetime import UTC, datetime

from synth.config import Settings
from synth.errors import InvalidInput, StoreError, shown
from synth.llm.prompts import template_hash
from synth.pipeline.run import Resume, Tools, run_pipeline, save
from synth.records.options import RunOptions
from synth.records.reports import Report
from synth.report.history import load_report
from synth.report.sections import REPORT_TEMPLATES
from synth.search.embed import Embedder
from synth.store.db import Store

STAGES = ("retrieve", "extract", "verify", "review", "render")


def regenerate(store: Store, settings: Settings, embedder: Embedder, report_id: str,
               from_stage: str = "render") -> Report:
    """Rerun a stored report from ``from_stage`` (see the module docstring); a new version."""
    if from_stage not in STAGES:
        raise InvalidInput(f"unknown stage {shown(from_stage)}", f"use one of {', '.join(STAGES)}")
    old = load_report(store, report_id)
    if from_stage == "render":
        templates = {**old.manifest.templates, **{t: template_hash(t) for t in REPORT_TEMPLATES}}
        return save(store, old.model_copy(update={
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "manifest": old.manifest.model_copy(update={"templates": templates})}))
    options = RunOptions(**old.options)
    tools = Tools.make(store, settings, embedder)
    return run_pipeline(tools, old.question, options, resume(store, old, from_stage))


def resume(store: Store, old: Report, from_stage: str) -> Resume:
    """What ``old`` stored before ``from_stage``, for the pipeline to start from."""
    if from_stage == "retrieve":
        return Resume()
    if from_stage == "extract":
        return Resume(papers=old.papers)
    if from_stage == "verify":
        claims = store.get_claims([c.id for c in old.claims])
        if any(c is None for c in claims):
            raise StoreError(f"report {old.id}: some of its claims are no longer stored",
                             "regenerate it from the extract stage")
        return Resume(papers=old.papers, claims=[c for c in claims if c is not None],
                      force=True)
    return Resume(papers=old.papers, report_claims=old.claims, scorer=old.manifest.verifier)
