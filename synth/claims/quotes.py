"""Finding a quote in a passage, checked in code: the only way a claim gets its span.

A quote matches when it occurs in the passage after both are normalised in exactly three
ways, and no others:

- whitespace: every run of whitespace (line breaks included) counts as one space, and
  leading and trailing whitespace is ignored;
- hyphenation: a hyphen between two letters, with or without whitespace after it, is ignored
  (``state-of-\\nthe-art``, ``state-of-the-art`` and ``stateoftheart`` match each other; a
  hyphen beside a digit, as in ``5-10``, always counts);
- ligatures: ``ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ`` count as the letters they join, and a soft hyphen as nothing.

Case, punctuation, quotes and digits must match exactly. The span returned is in the
passage's own offsets and covers the original text, so ``passage[start:end]`` is what the
quote stands for, verbatim.
"""

from __future__ import annotations

LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
HYPHENS = "-\u2010\u2011"
SOFT_HYPHEN = "\u00ad"
MIN_QUOTE_CHARS = 12


def normalise(text: str) -> tuple[str, list[int]]:
    """(normalised text, original offset of each normalised character)."""
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == SOFT_HYPHEN:
            i += 1
        elif ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            if out and out[-1] != " " and j < n:
                out.append(" ")
                where.append(i)
            i = j
        elif ch in HYPHENS and _between_letters(text, i):
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            i = j
        else:
            for piece in LIGATURES.get(ch, ch):
                out.append(piece)
                where.append(i)
            i += 1
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def _between_letters(text: str, i: int) -> bool:
    """A hyphen at ``i`` with a letter before it and one after it (past any whitespace)."""
    if i == 0 or not text[i - 1].isalpha():
        return False
    j = i + 1
    while j < len(text) and text[j].isspace():
        j += 1
    return j < len(text) and text[j].isalpha()


def locate(passage: str, quote: str) -> tuple[int, int] | None:
    """Span of ``quote``'s first occurrence in ``passage`` (passage offsets), or None when it
    does not occur or is too short to pin down (under ``MIN_QUOTE_CHARS`` after normalising)."""
    needle, _ = normalise(quote)
    if len(needle) < MIN_QUOTE_CHARS:
        return None
    hay, where = normalise(passage)
    at = hay.find(needle)
    if at < 0:
        return None
    return where[at], where[at + len(needle) - 1] + 1


def quote_problem(passage: str, quote: str) -> str | None:
    """Why ``quote`` cannot be accepted for ``passage``, in words an LLM can act on, or None."""
    if len(normalise(quote)[0]) < MIN_QUOTE_CHARS:
        return f"the quote {quote!r} is too short; quote at least one full clause"
    if locate(passage, quote) is None:
        return (f"the quote {quote[:120]!r} does not occur in the passage; copy it word for "
                "word from the passage")
    return None
