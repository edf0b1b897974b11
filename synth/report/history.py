"""Reports as durable records: versions, corrections and what changed between versions.

A report is stored as an append-only list of versions (``reports`` table): regenerating it
writes a new version and never touches an old one. Corrections are appended to their own
table (who, when, which claim, the new label if any, why) and shown with every version of the
report; nothing is deleted. :func:`diff` compares two versions: claims added, dropped and
relabelled, confidence moves, score changes, and the manifest entries (synth version, models,
prompt templates, paper versions) that differ, which say why.
"""

from __future__ import annotations

import getpass

from pydantic import BaseModel, ValidationError

from synth.errors import InvalidInput, StoreError, shown
from synth.records.incoming import problem
from synth.records.reports import Report, ReportClaim
from synth.store.db import Store

LABELS = ("supported", "contradicted", "insufficient")
CONFIDENCE_MOVE = 0.05


def load_report(store: Store, report_id: str, version: int | None = None) -> Report:
    """A stored report (latest version unless one is given; a unique id prefix works) with
    its correction record as it stands now."""
    found = store.report_ids_like(report_id)
    if len(found) > 1:
        more = "" if len(found) < 6 else ", …"
        raise InvalidInput(f"{shown(report_id)} is the start of several report ids: "
                           f"{', '.join(found[:5])}{more}", "give more of the id")
    data = store.report_json(found[0], version) if found else None
    if data is None:
        raise InvalidInput(f"no report {shown(report_id)}" + (f" version {version}" if version else ""),
                           "see `synth reports` for the ids")
    try:
        report = Report.model_validate_json(data)
    except ValidationError as err:
        raise StoreError(f"stored report {found[0]}" + (f" version {version}" if version else "")
                         + f" is damaged ({problem(err)})", "import a good copy, or ask its question "
                         "again: the new version becomes the latest") from None
    return report.model_copy(update={"corrections": store.corrections(report.id)})


def correct(store: Store, report_id: str, claim: int, reason: str,
            label: str | None = None, who: str | None = None) -> dict:
    """Append a correction to claim ``claim`` of the report's latest version."""
    report = load_report(store, report_id)
    if not 1 <= claim <= len(report.claims):
        raise InvalidInput(f"report {report.id} has no claim {claim}",
                           f"claims are numbered 1 to {len(report.claims)}")
    if not reason.strip():
        raise InvalidInput("a correction needs a reason", "give --reason TEXT")
    if label is not None and label not in LABELS:
        raise InvalidInput(f"unknown label {shown(label)}", f"use one of {', '.join(LABELS)}")
    row = {"report_id": report.id, "version": report.version, "claim": claim,
           "claim_id": report.claims[claim - 1].id, "who": who or _user(),
           "label": label, "reason": " ".join(reason.split())}
    store.add_correction(row)
    return row


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class ClaimChange(BaseModel):
    claim_id: str
    text: str
    old: str | None = None
    new: str | None = None


class Diff(BaseModel):
    report_id: str
    from_version: int
    to_version: int
    added: list[ClaimChange] = []
    dropped: list[ClaimChange] = []
    relabelled: list[ClaimChange] = []
    confidence_moves: list[ClaimChange] = []
    score: tuple[float, float]
    answerable: tuple[bool, bool]
    why: list[str] = []


def _by_key(claims: list[ReportClaim]) -> dict[str, ReportClaim]:
    """Claims keyed by paper, span and text: the same claim across runs, whatever its id."""
    return {f"{c.paper_id}#{c.char_start}-{c.char_end}|{c.text}": c for c in claims}


def diff(store: Store, report_id: str, old: int | None = None, new: int | None = None) -> Diff:
    """What changed from version ``old`` (default: the one before ``new``) to ``new``
    (default: the latest)."""
    latest = load_report(store, report_id, new)
    before = load_report(store, latest.id, old if old is not None else max(latest.version - 1, 1))
    a, b = _by_key(before.claims), _by_key(latest.claims)
    out = Diff(report_id=latest.id, from_version=before.version, to_version=latest.version,
               score=(before.score, latest.score), answerable=(before.answerable, latest.answerable))
    out.added = [ClaimChange(claim_id=c.id, text=c.text) for k, c in b.items() if k not in a]
    out.dropped = [ClaimChange(claim_id=c.id, text=c.text) for k, c in a.items() if k not in b]
    for key in a.keys() & b.keys():
        x, y = a[key], b[key]
        if x.label != y.label or x.sourced != y.sourced or x.check != y.check:
            out.relabelled.append(ClaimChange(claim_id=y.id, text=y.text,
                                              old=f"{x.label}, {x.check_shown}",
                                              new=f"{y.label}, {y.check_shown}"))
        if abs(x.confidence - y.confidence) >= CONFIDENCE_MOVE:
            out.confidence_moves.append(ClaimChange(claim_id=y.id, text=y.text,
                                                    old=f"{x.confidence:.2f}",
                                                    new=f"{y.confidence:.2f}"))
    out.why = manifest_changes(before, latest)
    return out


def manifest_changes(a: Report, b: Report) -> list[str]:
    ma, mb = a.manifest, b.manifest
    why = [f"{name} changed: {x} -> {y}" for name, x, y in (
        ("synth", ma.synth, mb.synth), ("embedding model", ma.embed_model, mb.embed_model),
        ("verifier", ma.verifier, mb.verifier), ("extractor", ma.extractor, mb.extractor))
        if x != y]
    for name in sorted(ma.templates.keys() | mb.templates.keys()):
        if ma.templates.get(name) != mb.templates.get(name):
            why.append(f"template {name} changed: {ma.templates.get(name)} -> "
                       f"{mb.templates.get(name)}")
    old_papers, new_papers = set(ma.papers), set(mb.papers)
    why += [f"paper {p} no longer kept" for p in sorted(old_papers - new_papers)]
    why += [f"paper {p} newly kept" for p in sorted(new_papers - old_papers)]
    if not why:
        why.append("the manifest is unchanged (same models, templates and paper versions)")
    return why
