"""The quote check: only whitespace, hyphenation and ligatures are forgiven."""

from __future__ import annotations

import pytest

from synth.claims.quotes import locate, normalise, quote_problem

PASSAGE = ("Our model reduces the error by 12.5% compared with the state-of-\nthe-art "
           "baseline, and the ﬁne-tuned variant is 5-10 times faster.")


@pytest.mark.parametrize("quote", [
    "reduces the error by 12.5% compared with",
    "reduces  the\nerror by 12.5%   compared with",            # whitespace
    "compared with the state-of-the-art baseline",             # hyphenation at a line break
    "the fine-tuned variant is 5-10 times faster.",            # ligature
    "the finetuned variant is 5-10 times faster",              # hyphen between letters
])
def test_quote_found_despite_whitespace_hyphenation_and_ligatures(quote: str) -> None:
    span = locate(PASSAGE, quote)
    assert span is not None
    start, end = span
    assert normalise(PASSAGE[start:end])[0] == normalise(quote)[0]


@pytest.mark.parametrize("quote", [
    "reduces the error by 12.6% compared with",   # a different number
    "Reduces the error by 12.5% compared with",   # case counts
    "the fine-tuned variant is 510 times faster",  # a hyphen between digits counts
    "reduces the error by 12.5 % compared with",   # so does a space inside a token
    "improves the error by 12.5%",                 # a paraphrase
])
def test_quote_not_found_when_words_or_numbers_differ(quote: str) -> None:
    assert locate(PASSAGE, quote) is None
    assert "does not occur" in quote_problem(PASSAGE, quote)


def test_short_quotes_are_refused_as_unpinnable() -> None:
    assert locate(PASSAGE, "model") is None
    assert "too short" in quote_problem(PASSAGE, "  the  ")


def test_span_covers_the_original_text_verbatim() -> None:
    start, end = locate(PASSAGE, "the state-of-the-art baseline")
    assert PASSAGE[start:end] == "the state-of-\nthe-art baseline"
    start, end = locate(PASSAGE, "fine-tuned variant")
    assert PASSAGE[start:end] == "ﬁne-tuned variant"
