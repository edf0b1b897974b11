"""Fingerprints of rendered reports, to check that a report stays the same across changes to
synth's code that must not change results (tests/test_same_report.py).

A fingerprint keeps a report's structure, its short strings (labels, ids, options) and its
numbers rounded, and replaces every longer string by its length and sha256 prefix, so the
golden file holds no text of the papers it was made from. Timestamps and timings are left
out: they differ on every run.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

VOLATILE = {"created", "seconds", "synth"}  # run time, stage timings, synth's version
SHORT = 24
TOLERANCE = 0.011  # rounding to 2 places, plus float noise between machines


def text_print(text: str) -> str:
    if len(text) <= SHORT:
        return text
    return f"{len(text)}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def fingerprint(value: object) -> object:
    if isinstance(value, dict):
        return {k: fingerprint(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [fingerprint(v) for v in value]
    if isinstance(value, str):
        return text_print(value)
    if isinstance(value, float):
        return round(value, 2)
    return value


def markdown_print(text: str) -> list[str]:
    """The Markdown report's lines, less the line with the run's date and the stage timings,
    and with synth's version number in the manifest line left out."""
    return [text_print(re.sub(r"^- synth \d+\.\d+\.\d+;", "- synth VERSION;", line))
            for line in text.splitlines() if not line.startswith(("*Report ", "- Stage seconds:"))]


def folder_print(out: Path) -> dict[str, object]:
    """Fingerprints of every file ``synth ask --out`` wrote: the report JSON record, the
    Markdown report and the Markdown digest cards."""
    found: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.suffix == ".json":
            found[name] = fingerprint(json.loads(path.read_text()))
        elif path.suffix == ".md":
            found[name] = markdown_print(path.read_text())
    return found


def differences(want: object, got: object, where: str = "") -> list[str]:
    """Where ``got`` differs from ``want`` (numbers within :data:`TOLERANCE`)."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{where}/{k}: missing" for k in want if k not in got]
        out += [f"{where}/{k}: unexpected" for k in got if k not in want]
        for k in want.keys() & got.keys():
            out += differences(want[k], got[k], f"{where}/{k}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{where}: {len(want)} items expected, {len(got)} found"]
        return [d for i, (a, b) in enumerate(zip(want, got)) for d in differences(a, b, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(want, numbers) and isinstance(got, numbers) and not isinstance(want, bool):
        return [] if abs(want - got) <= TOLERANCE else [f"{where}: {want} expected, {got} found"]
    return [] if want == got else [f"{where}: {want!r} expected, {got!r} found"]
