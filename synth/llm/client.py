"""The LLM seam: structured answers from any OpenAI-compatible server, through ``instructor``.

Settings (``SYNTH_LLM_*``): base URL, model, API key, instructor mode and timeout. With no
base URL there is no LLM, and every stage uses its offline default. Prompts are Jinja
templates in ``synth/templates/`` (:mod:`synth.llm.prompts`, ``StrictUndefined``); text taken from papers is
passed as template variables and rendered inside marked blocks that the system prompt
declares to be data, never instructions (:func:`as_data` keeps it from closing them).

With a store, every HTTP call is logged to it (template and its hash, rendered prompt and its
hash, model, response, tokens in and out, seconds, estimated cost from :mod:`synth.llm.prices`),
and every answer is cached under the hash of (model, mode, template, rendered prompt, response
schema): the same request is never paid for twice.

Failures: :class:`~synth.errors.LLMUnavailable` when the server cannot be reached, times out
or refuses every request (auth, unknown model, 5xx); :class:`~synth.errors.LLMError` when it
refuses this request only (HTTP 400, 413 or 422: too long for the model's context, say) or
for an answer that still fails the response model after instructor's re-asks (each re-ask
sends the validation error back to the model). With ``lenient=True``, an answer that parses
but fails a check that needs the validation context (a quote not in its passage) comes back
marked invalid instead, for the caller to salvage.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel

from synth.config import Settings
from synth.errors import BudgetExceeded, ConfigError, LLMError, LLMUnavailable
from synth.llm.prices import cost, load_prices, price_of
from synth.llm.prompts import render, template_hash

if TYPE_CHECKING:
    from synth.store.db import Store

MODES = {"tools": "TOOLS", "json": "JSON", "json_schema": "JSON_SCHEMA", "md_json": "MD_JSON"}
T = TypeVar("T", bound=BaseModel)
REQUEST_REFUSED = {400, 413, 422}  # this request only (too long, malformed): others may pass


@dataclass
class LLMAnswer(Generic[T]):
    """A validated (or, when ``valid`` is False, salvaged) answer; ``key`` is its request's
    hash (``llm_calls.key``), ``attempts`` how many calls it took (when it was first asked)."""

    value: T
    valid: bool
    attempts: int
    cached: bool
    key: str


@dataclass
class Usage:
    """What an :class:`LLM` has spent so far: HTTP calls (failed ones too), answers served from
    the cache, tokens, seconds, and estimated USD (None once any call's price is unknown)."""

    calls: int = 0
    cached: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    cost: float | None = 0.0

    def minus(self, before: Usage) -> Usage:
        cost_ = None if self.cost is None or before.cost is None else self.cost - before.cost
        return Usage(self.calls - before.calls, self.cached - before.cached,
                     self.tokens_in - before.tokens_in, self.tokens_out - before.tokens_out,
                     self.seconds - before.seconds, cost_)


@dataclass
class LLM:
    """A configured model. ``ask`` renders a template and returns a validated object;
    ``call`` returns an :class:`LLMAnswer` with its cost, logged and cached in ``store``."""

    settings: Settings
    retries: int = 2
    store: Store | None = None
    budget: float | None = None  # USD; no new request once the spend reaches it

    def __post_init__(self) -> None:
        if not self.settings.llm_configured:
            raise ConfigError("no LLM is configured",
                              "set SYNTH_LLM_BASE_URL and SYNTH_LLM_MODEL, or use the offline "
                              "default")
        import instructor
        from openai import OpenAI

        client = OpenAI(base_url=self.settings.llm_base_url,
                        api_key=self.settings.llm_api_key or "none",
                        timeout=self.settings.llm_timeout, max_retries=1)
        self.raw = client  # for one-word answers read from log-probabilities (:meth:`choose`)
        self.mode = getattr(instructor.Mode, MODES[self.settings.llm_mode])
        self.client = instructor.from_openai(client, mode=self.mode)
        self.model = self.settings.llm_model
        self.price = price_of(self.model, self.settings.llm_base_url,
                              load_prices(self.settings.home))
        self._log: list[dict] = []
        self.usage = Usage()
        self.client.on("completion:kwargs", self._on_request)
        self.client.on("completion:response", self._on_response)
        self.client.on("completion:error", self._on_error)

    def ask(self, template: str, response_model: type[T], **variables: object) -> T:
        return self.call(template, response_model, **variables).value

    def call(self, template: str, response_model: type[T], *, context: dict | None = None,
             lenient: bool = False, **variables: object) -> LLMAnswer[T]:
        import openai
        from instructor.core.exceptions import InstructorRetryException

        messages = _messages(template, variables)
        key = _sha(json.dumps([self.model, self.settings.llm_mode, template, messages,
                               response_model.model_json_schema()], sort_keys=True))
        if self.store is not None and (hit := self.store.cached_llm_answer(key)) is not None:
            value_json, valid, attempts = hit
            self.usage.cached += 1
            return LLMAnswer(response_model.model_validate_json(value_json), valid, attempts,
                             True, key)
        self._check_budget()
        self._log = []
        valid = True
        try:
            value = self.client.chat.completions.create(
                model=self.model, response_model=response_model, max_retries=self.retries,
                messages=messages, context=context)
        except InstructorRetryException as err:
            salvaged = _salvage(err, response_model, self.mode) if lenient else None
            if salvaged is None or _unavailable(err):
                self._save_log(template, key)
                raise _llm_error(err, self, response_model.__name__) from err
            value, valid = salvaged, False
        except openai.APIError as err:
            self._save_log(template, key)
            raise _llm_error(err, self, response_model.__name__) from err
        answer = LLMAnswer(value, valid, len(self._log) or 1, False, key)
        self._save_log(template, key)
        if self.store is not None:
            self.store.cache_llm_answer(key, value.model_dump_json(), valid, answer.attempts)
        return answer

    def choose(self, template: str, choices: tuple[str, ...], **variables: object) -> Choice:
        """The model's answer to a prompt that asks for one word of ``choices``: how likely it
        is to start its answer with each (from the first answer token's top log-probabilities,
        summed over case and leading space), or, where the server gives no log-probabilities,
        1 for the word it answered. A plain chat completion, logged and cached like
        :meth:`call`."""
        import openai

        messages = _messages(template, variables)
        key = _sha(json.dumps([self.model, "choose", template, messages, choices],
                              sort_keys=True))
        if self.store is not None and (hit := self.store.cached_llm_answer(key)) is not None:
            self.usage.cached += 1
            return Choice.model_validate_json(hit[0])
        self._check_budget()
        self._log = []
        request = dict(model=self.model, messages=messages, max_tokens=3, temperature=0.0)
        response = None
        for extra in ({"logprobs": True, "top_logprobs": 20}, {}):
            self._on_request(messages=messages)
            try:
                response = self.raw.chat.completions.create(**request, **extra)  # type: ignore[call-overload]
                self._on_response(response)
                break
            except openai.APIStatusError as err:  # some servers refuse log-probabilities
                self._on_error(err)
                if not extra or err.status_code not in REQUEST_REFUSED:
                    self._save_log(template, key)
                    raise _llm_error(err, self, "answer") from err
            except openai.APIError as err:
                self._on_error(err)
                self._save_log(template, key)
                raise _llm_error(err, self, "answer") from err
        self._save_log(template, key)
        choice = read_choice(response, choices)
        if choice is None:
            raise LLMError(f"the LLM {self.model} answered none of {', '.join(choices)}",
                           "try another model")
        if self.store is not None:
            self.store.cache_llm_answer(key, choice.model_dump_json(), True, 1)
        return choice

    def _check_budget(self) -> None:
        if self.budget is None:
            return
        if self.price is None:
            raise BudgetExceeded(f"the price of {self.model} is unknown, so --budget cannot "
                                 "be kept", "add it to $SYNTH_HOME/prices.json")
        if (self.usage.cost or 0.0) >= self.budget:
            raise BudgetExceeded(f"the LLM spend reached the budget of ${self.budget:.4f}")

    # ---- call log (instructor hooks: one request and one response or error per attempt) ---

    def _on_request(self, *args: object, **kwargs: object) -> None:
        self._log.append({"messages": kwargs.get("messages"), "started": time.perf_counter(),
                          "tokens_in": 0, "tokens_out": 0, "seconds": 0.0,
                          "response": None, "error": None})

    def _finish(self) -> dict:
        entry = self._log[-1] if self._log else {}
        if entry:
            entry["seconds"] = time.perf_counter() - entry["started"]
        return entry

    def _on_response(self, response: object) -> None:
        entry = self._finish()
        if not entry:
            return
        usage = getattr(response, "usage", None)
        entry["tokens_in"] = int(getattr(usage, "prompt_tokens", 0) or 0)
        entry["tokens_out"] = int(getattr(usage, "completion_tokens", 0) or 0)
        entry["response"] = _response_text(response)

    def _on_error(self, error: object, **kwargs: object) -> None:
        entry = self._finish()
        if entry:
            entry["error"] = f"{type(error).__name__}: {error}"[:500]

    def _save_log(self, template: str, key: str) -> None:
        """Count this request's calls in ``usage`` and write them to the store's log."""
        rows = []
        for attempt, entry in enumerate(self._log, start=1):
            prompt = json.dumps(entry["messages"], default=str)
            rows.append({
                "at": _now(), "key": key, "attempt": attempt, "template": template,
                "template_hash": template_hash(template), "prompt_sha": _sha(prompt),
                "prompt": prompt, "model": self.model, "base_url": self.settings.llm_base_url,
                "mode": self.settings.llm_mode, "response": entry["response"],
                "error": entry["error"], "tokens_in": entry["tokens_in"],
                "tokens_out": entry["tokens_out"], "seconds": round(entry["seconds"], 4),
                "cost": cost(entry["tokens_in"], entry["tokens_out"], self.price)})
        self._log = []
        for row in rows:
            u = self.usage
            u.calls += 1
            u.tokens_in += row["tokens_in"]
            u.tokens_out += row["tokens_out"]
            u.seconds += row["seconds"]
            u.cost = None if u.cost is None or row["cost"] is None else u.cost + row["cost"]
        if self.store is not None and rows:
            self.store.log_llm_calls(rows)


class Choice(BaseModel):
    """How likely a one-word answer is to be each choice; ``from_logprobs`` False when the
    server gave none (then the answered word has probability 1)."""

    probs: dict[str, float]
    from_logprobs: bool


def read_choice(response: object, choices: tuple[str, ...]) -> Choice | None:
    """The choices' probabilities at the first answer token whose top log-probabilities hold
    any of them; else the answered word; None when the answer is none of the choices."""
    try:
        choice = response.choices[0]  # type: ignore[attr-defined]
    except (AttributeError, IndexError, TypeError):
        return None
    for token in getattr(getattr(choice, "logprobs", None), "content", None) or []:
        probs = dict.fromkeys(choices, 0.0)
        for top in token.top_logprobs or []:
            word = top.token.strip().lower()
            if word in probs:
                probs[word] += math.exp(top.logprob)
        if any(probs.values()):
            return Choice(probs=probs, from_logprobs=True)
    words = (getattr(choice.message, "content", None) or "").strip().lower().split()
    said = words[0].strip(".,;:!\"'*") if words else ""
    if said in choices:
        return Choice(probs={c: float(c == said) for c in choices}, from_logprobs=False)
    return None


def _messages(template: str, variables: dict[str, object]) -> list[dict[str, str]]:
    """The system and user messages of a prompt template (split at its ``---`` line)."""
    system, _, user = render(template, **variables).partition("\n---\n")
    return [{"role": "system", "content": system.strip()},
            {"role": "user", "content": user.strip()}]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _response_text(response: object) -> str | None:
    """What the model said: its text, or its tool call's arguments."""
    try:
        message = response.choices[0].message  # type: ignore[attr-defined]
    except (AttributeError, IndexError):
        return None
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        return "\n".join(c.function.arguments for c in calls)
    return message.content


def _salvage(err: BaseException, response_model: type[T], mode: object) -> T | None:
    """The last answer parsed without the validation context (structure only), or None."""
    from instructor.function_calls import openai_schema

    completion = getattr(err, "last_completion", None)
    if completion is None:
        return None
    try:
        parsed = openai_schema(response_model).from_response(completion, mode=mode)
        return response_model.model_validate(parsed.model_dump())
    except Exception:  # noqa: BLE001 - anything unparseable is simply not salvageable
        return None


def _unavailable(err: BaseException) -> bool:
    """Did the attempts fail in transport or HTTP status (nothing to salvage)?"""
    import openai

    return any(isinstance(c, openai.APIError) for c in _causes(err))


def _causes(err: BaseException):
    while err is not None:
        yield err
        err = err.__cause__ or err.__context__


def _llm_error(err: BaseException, llm: LLM, wanted: str) -> LLMError:
    """One line for what went wrong; instructor wraps transport errors, so look inside."""
    import openai

    for cause in _causes(err):
        if isinstance(cause, (openai.APIConnectionError, openai.APITimeoutError)):
            return LLMUnavailable(f"the LLM at {llm.settings.llm_base_url} cannot be reached: "
                                  f"{type(cause).__name__}",
                                  "start the server or check SYNTH_LLM_BASE_URL")
        if isinstance(cause, openai.APIStatusError) and cause.status_code in REQUEST_REFUSED:
            detail = " ".join(str(getattr(cause, "message", "") or cause).split())[:200]
            return LLMError(f"the LLM server refused this request (HTTP {cause.status_code}: "
                            f"{detail})", "a passage may exceed the model's context; give the "
                            "server a larger context size")
        if isinstance(cause, openai.APIStatusError):
            return LLMUnavailable(f"the LLM server answered HTTP {cause.status_code}",
                                  "check SYNTH_LLM_MODEL and SYNTH_LLM_API_KEY")
    return LLMError(f"the LLM {llm.model} gave no valid {wanted} in {llm.retries + 1} tries",
                    "try another model or SYNTH_LLM_MODE")
