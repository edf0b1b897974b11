"""Rendering a :class:`~synth.report.Report` to Markdown, HTML or JSON.

Markdown and HTML come from the Jinja templates ``templates/report.md.j2`` and
``templates/report.html.j2``. Untrusted text (titles, authors, abstracts, quotes, claims) is
escaped: HTML by Jinja's autoescape, Markdown by the ``md`` filter (HTML special characters
become entities, so a title holding ``<script>`` is shown, never run; table pipes and line
breaks are neutralised). JSON is the report record itself.
"""

from __future__ import annotations

from pathlib import Path

from .llm import TEMPLATES
from .report import Report

FORMATS = {"md": "report.md.j2", "html": "report.html.j2", "json": None}


def md(text: object) -> str:
    value = " ".join(str(text).split())
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        value = value.replace(raw, safe)
    return value


def where(page: int | None) -> str:
    return f"page {page}" if page else "abstract"


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=fmt == "html", keep_trailing_newline=True,
                      trim_blocks=False)
    env.filters["md"] = md
    env.globals["where"] = where
    return env.get_template(FORMATS[fmt]).render(r=report)


def write(report: Report, out: Path, formats: list[str]) -> list[Path]:
    """Write the report in each format to ``out/<id>-v<version>.<ext>``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{report.id}-v{report.version}.{fmt}"
        tmp = path.with_suffix(path.suffix + ".partial")
        tmp.write_text(render(report, fmt), encoding="utf-8")
        tmp.replace(path)
        paths.append(path)
    return paths
