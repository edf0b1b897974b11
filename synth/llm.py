"""The LLM seam: structured answers from any OpenAI-compatible server, through ``instructor``.

Settings (``SYNTH_LLM_*``): base URL, model, API key, instructor mode and timeout. With no
base URL there is no LLM, and every stage uses its offline default. Prompts are Jinja
templates in ``templates/`` (rendered with ``StrictUndefined``); text taken from papers is
passed as template variables and rendered inside marked blocks that the system prompt
declares to be data, never instructions.

Failures become :class:`~synth.errors.LLMError` with one line that says what to do: server
unreachable or timing out, or an answer that still fails the response model after instructor's
re-asks (each re-ask sends the validation error back to the model).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from .config import Settings
from .errors import ConfigError, LLMError

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MODES = {"tools": "TOOLS", "json": "JSON", "json_schema": "JSON_SCHEMA", "md_json": "MD_JSON"}
T = TypeVar("T", bound=BaseModel)


def render(template: str, **variables: object) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=True)
    return env.get_template(template).render(**variables)


def template_hash(template: str) -> str:
    return hashlib.sha256((TEMPLATES / template).read_bytes()).hexdigest()[:16]


@dataclass
class LLM:
    """A configured model. ``ask`` renders a template and returns a validated object."""

    settings: Settings
    retries: int = 2

    def __post_init__(self) -> None:
        if not (self.settings.llm_base_url and self.settings.llm_model):
            raise ConfigError("no LLM is configured",
                              "set SYNTH_LLM_BASE_URL and SYNTH_LLM_MODEL, or use the offline "
                              "default")
        import instructor
        from openai import OpenAI

        client = OpenAI(base_url=self.settings.llm_base_url,
                        api_key=self.settings.llm_api_key or "none",
                        timeout=self.settings.llm_timeout, max_retries=1)
        self.client = instructor.from_openai(
            client, mode=getattr(instructor.Mode, MODES[self.settings.llm_mode]))
        self.model = self.settings.llm_model

    def ask(self, template: str, response_model: type[T], **variables: object) -> T:
        import openai
        from instructor.core.exceptions import InstructorRetryException

        system, _, user = render(template, **variables).partition("\n---\n")
        try:
            return self.client.chat.completions.create(
                model=self.model, response_model=response_model, max_retries=self.retries,
                messages=[{"role": "system", "content": system.strip()},
                          {"role": "user", "content": user.strip()}])
        except (openai.APIError, InstructorRetryException) as err:
            raise _llm_error(err, self, response_model.__name__) from err


def _causes(err: BaseException):
    while err is not None:
        yield err
        err = err.__cause__ or err.__context__


def _llm_error(err: BaseException, llm: LLM, wanted: str) -> LLMError:
    """One line for what went wrong; instructor wraps transport errors, so look inside."""
    import openai

    for cause in _causes(err):
        if isinstance(cause, (openai.APIConnectionError, openai.APITimeoutError)):
            return LLMError(f"the LLM at {llm.settings.llm_base_url} cannot be reached: "
                            f"{type(cause).__name__}",
                            "start the server or check SYNTH_LLM_BASE_URL")
        if isinstance(cause, openai.APIStatusError):
            return LLMError(f"the LLM server answered HTTP {cause.status_code}",
                            "check SYNTH_LLM_MODEL and SYNTH_LLM_API_KEY")
    return LLMError(f"the LLM {llm.model} gave no valid {wanted} in {llm.retries + 1} tries",
                    "try another model or SYNTH_LLM_MODE")
