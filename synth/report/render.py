"""Rendering a :class:`~synth.records.reports.Report` (and a digest card) to Markdown, HTML or JSON.

Markdown and HTML come from the Jinja templates ``synth/templates/report.md.j2`` and
``synth/templates/report.html.j2``. Untrusted text (titles, authors, abstracts, quotes, claims) is
escaped: HTML by Jinja's autoescape, Markdown by the ``md`` filter (HTML special characters
become entities, so a title holding ``<script>`` is shown, never run; table pipes, square
brackets and line breaks are neutralised, so paper text cannot make a link). LaTeX that paper
text carries is shown as text (:func:`detex`: ``\\(35\\%\\)`` -> 35%, ``1.14\\(\\times\\)`` -> 1.14×)
in Markdown and HTML; the stored quotes and their spans stay exact, and JSON is the report
record itself.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from synth.errors import OutputError
from synth.llm.prompts import TEMPLATES
from synth.records.reports import Report, ReportClaim

FORMATS = {"md": "report.md.j2", "html": "report.html.j2", "json": None}
CARD_FORMATS = {"md": "card.md.j2", "html": "card.html.j2", "json": None}


_TEX_SYMBOLS = {"times": "×", "pm": "±", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
                "approx": "≈", "sim": "~", "cdot": "·", "rightarrow": "→", "to": "→",
                "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
                "lambda": "λ", "mu": "µ", "sigma": "σ", "tau": "τ", "theta": "θ", "infty": "∞",
                "%": "%", "&": "&", "_": "_", "#": "#", "$": "$", ",": " ", ";": " ", "!": ""}
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+|[%&_#$,;!])")
_TEX_WRAPPER = re.compile(r"\\(?:text|mathrm|mathbf|textbf|emph|textit|mathit|operatorname)"
                          r"\s*\{([^{}]*)\}")
_TEX_MATH = re.compile(r"\\\\?[()\[\]]")  # "\(" or, as some metadata escapes it, "\\("
_TEX_DOLLARS = re.compile(r"\$([^$\n]*?[\\^_{][^$\n]*?)\$")  # $...$ holding TeX, not prices


def detex(text: str) -> str:
    """LaTeX as a reader would see it: math delimiters dropped, ``\\text{..}``-like wrappers
    unwrapped, common symbols as characters; other commands are left as written."""
    if "\\" not in text and "$" not in text:
        return text
    value = _TEX_WRAPPER.sub(r"\1", text)
    value = _TEX_DOLLARS.sub(r"\1", _TEX_MATH.sub("", value))
    value = _TEX_COMMAND.sub(lambda m: _TEX_SYMBOLS.get(m.group(1), m.group(0)), value)
    return value.replace("{", "").replace("}", "") if "\\" not in value else value


def md(text: object) -> str:
    """Untrusted text made inert in Markdown: one line, LaTeX shown as text (:func:`detex`),
    HTML special characters as entities, table pipes and square brackets backslash-escaped
    (so no ``[text](javascript:...)`` link or link definition can form)."""
    value = detex(" ".join(str(text).split()))
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"),
                      ("[", "\\["), ("]", "\\]")):
        value = value.replace(raw, safe)
    return value


_CITE = re.compile(r"\\\[C(\d+)\\\]")


def cited(text: object) -> str:
    """Synth's own text citing claims as ``[Cn]``, made inert like :func:`md`, each citation
    then a link to its claim's row."""
    return _CITE.sub(r"[C\1](#c\1)", md(text))


def cited_html(text: object) -> object:
    """The same for HTML: escaped, each ``[Cn]`` a link to the claim."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"\[C(\d+)\]", r'<a href="#c\1">[C\1]</a>',
                         str(escape(detex(str(text))))))


def card_name(paper_id: str, fmt: str) -> str:
    """A card's file name: the paper id with anything but letters, digits, dots and dashes
    replaced (``astro-ph/0601001v1`` -> ``astro-ph_0601001v1.md``)."""
    return f"{re.sub(r'[^A-Za-z0-9.-]', '_', paper_id)}.{fmt}"


def card_file(paper_id: str, fmt: str) -> str:
    """Where a report's files keep a paper's digest card, relative to the report."""
    return f"cards/{card_name(paper_id, fmt)}"


def where(page: int | None) -> str:
    """Where a passage sits: its PDF page, or the abstract (metadata text has no page)."""
    return f"page {page}" if page else "abstract"


def relevance(claim: ReportClaim) -> str:
    """A claim's relevance to the question, marked when it is off point ("-" in reports
    made before relevance was scored)."""
    if claim.relevance is None:
        return "-"
    return f"{claim.relevance:.2f}" + ("" if claim.on_point else " (off point)")


def _shown(value: object) -> object:
    """HTML output: plain strings with their LaTeX shown as text; markup as it is."""
    return detex(value) if isinstance(value, str) and not hasattr(value, "__html__") else value


def _template(name: str, html: bool):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=html, keep_trailing_newline=True,
                      finalize=_shown if html else None)
    env.filters["md"] = md
    env.filters["cited"] = cited_html if html else cited
    env.globals["where"] = where
    env.globals["relevance"] = relevance
    env.globals["card_file"] = card_file
    return env.get_template(name)


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    return _template(FORMATS[fmt], fmt == "html").render(r=report)


def render_card(card: BaseModel, fmt: str) -> str:
    """A digest card (:class:`synth.records.cards.Card`) in one format."""
    if fmt == "json":
        return card.model_dump_json(indent=2)
    return _template(CARD_FORMATS[fmt], fmt == "html").render(c=card)


def write_text(path: Path, text: str) -> Path:
    """Write ``path`` atomically: a reader never sees half a file, and a write that fails (a
    full disk) leaves neither half a file nor its ``.partial`` behind."""
    tmp = path.with_suffix(path.suffix + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}",
                          "free disk space or choose another --out folder") from None
    return path


def write(report: Report, out: Path, formats: list[str]) -> list[Path]:
    """Write the report in each format to ``out/<id>-v<version>.<ext>``; returns the paths."""
    return [write_text(out / f"{report.id}-v{report.version}.{fmt}", render(report, fmt))
            for fmt in formats]
