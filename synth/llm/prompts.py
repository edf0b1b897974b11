"""Prompt templates: the Jinja files in ``synth/templates/`` (shipped inside the package, so an
installed wheel renders them), rendered with ``StrictUndefined``; their content hashes, which
manifests record; and :func:`as_data`, which keeps paper text inside the marked data blocks of
a prompt. The report and card templates in the same folder are rendered by
:mod:`synth.report.render`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def render(template: str, **variables: object) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=True)
    return env.get_template(template).render(**variables)


def template_hash(template: str) -> str:
    return hashlib.sha256((TEMPLATES / template).read_bytes()).hexdigest()[:16]


def as_data(text: str) -> str:
    """Paper or user text made safe to place between a prompt's data tags: angle brackets
    become look-alikes, one character for one, so offsets into the text are unchanged."""
    return text.replace("<", "‹").replace(">", "›")
