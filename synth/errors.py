"""One exception tree for synth; the CLI turns any of these into one line and a non-zero exit.

    SynthError                  anything synth reports to a user (message says what to do)
    ├── ConfigError             a setting has a value synth cannot use
    ├── StoreError              the library database cannot be opened or written, or what it
    │                           holds breaks a rule (a quote not at its span)
    ├── SourceError             a paper source failed
    │   ├── BadPaperId          not an arXiv id (malformed, path-like)
    │   ├── UnknownPaper        arXiv has no such paper / version
    │   ├── ArxivUnavailable    network down, refused, timed out, 5xx after retries
    │   └── ArxivRateLimited    HTTP 429 after retries
    ├── SnapshotError           a snapshot file cannot be read at all (bad lines are only reported)
    ├── ParseError              a PDF cannot be turned into passages (also stored as a parse problem)
    ├── EmptyLibrary            search or ask on a library with nothing in it
    ├── ModelError              an embedding or verification model cannot be loaded or used
    ├── InvalidInput            a value the user gave cannot be used: an unknown report id,
    │   │                       claim number, label or stage, a missing reason, a malformed
    │   │                       batch line or bundle file
    │   ├── InvalidClaim        a claim to verify is empty or too long
    │   └── InvalidQuestion     a question to ask is empty or a single word
    ├── LLMError                the configured LLM kept answering junk (or, below, is unusable)
    │   ├── LLMUnavailable      the LLM server is unreachable, timed out or refused the request
    │   └── BudgetExceeded      the LLM spend reached --budget (or its price is unknown)
    └── OutputError             a report, card or bundle file cannot be written (disk full,
                                no permission); what the library stored is intact

Each error carries ``exit_code`` so scripts can tell classes of failure apart.
"""

from __future__ import annotations


class SynthError(Exception):
    """Base class: ``str(err)`` is a complete one-line message that says what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def shown(value: object, limit: int = 60) -> str:
    """A value a user gave, quoted for an error line and cut to about ``limit`` characters,
    so the line stays short whatever was typed (``'2106.0000…' (1,005 characters)``)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


class ConfigError(SynthError):
    exit_code = 2


class StoreError(SynthError):
    exit_code = 3


class SourceError(SynthError):
    exit_code = 4


class BadPaperId(SourceError):
    pass


class UnknownPaper(SourceError):
    pass


class ArxivUnavailable(SourceError):
    pass


class ArxivRateLimited(ArxivUnavailable):
    pass


class SnapshotError(SynthError):
    exit_code = 5


class ParseError(SynthError):
    exit_code = 6


class EmptyLibrary(SynthError):
    exit_code = 7


class ModelError(SynthError):
    exit_code = 8


class InvalidInput(SynthError):
    exit_code = 9


class InvalidClaim(InvalidInput):
    pass


class InvalidQuestion(InvalidInput):
    pass


class LLMError(SynthError):
    exit_code = 10


class OutputError(SynthError):
    exit_code = 11


class LLMUnavailable(LLMError):
    """No answer at all: later calls would fail the same way, so a stage stops on this one."""


class BudgetExceeded(LLMError):
    """The LLM spend reached the budget: a stage goes on offline."""


class EngineError(SynthError):
    """The compute engine cannot run: Ray is not installed, or its cluster cannot be reached."""

    exit_code = 2
