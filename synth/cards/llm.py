"""The LLM digest card: the text sections written by the configured LLM, every item checked.

The LLM sees up to :data:`MAX_PASSAGES` passages (the first two, which hold the abstract and
introduction, then those the offline claim scores rank highest) through
``synth/templates/digest.j2`` and fills :class:`LLMCard`: TLDR, problem, contributions, findings and
limitations, each item with its text and a quote. The response model checks every quote
against the passages (instructor's validation context; a failing answer goes back to the
model with the errors); after the re-asks, items whose quote occurs are kept and the rest are
dropped and counted, like claims (:mod:`synth.claims.llm`). Each kept item gets the span of
its quote in the paper's full text. Results, entities, reproducibility and metadata stay the
offline ones: they are read from the text by rules, not written.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from synth.claims.cues import invents_numbers
from synth.claims.llm import passages_for_llm
from synth.claims.quotes import locate, quote_problem
from synth.llm.client import LLM
from synth.llm.prompts import as_data
from synth.parsing.numbers import quantities
from synth.records.cards import CardLine
from synth.records.papers import Passage

TEMPLATE = "digest.j2"
MAX_PASSAGES = 6
FIELDS = ("problem", "contributions", "findings", "limitations")


class QuotedItem(BaseModel):
    text: str = Field(description="the point, one sentence")
    quote: str = Field(description="exact words of one passage that state it")


class LLMCard(BaseModel):
    tldr: QuotedItem | None = None
    problem: list[QuotedItem] = Field([], max_length=2)
    contributions: list[QuotedItem] = Field([], max_length=4)
    findings: list[QuotedItem] = Field([], max_length=6)
    limitations: list[QuotedItem] = Field([], max_length=4)

    def items(self) -> list[tuple[str, QuotedItem]]:
        return ([("tldr", self.tldr)] if self.tldr else []) + [
            (name, item) for name in FIELDS for item in getattr(self, name)]

    @model_validator(mode="after")
    def quotes_occur(self, info: ValidationInfo) -> LLMCard:
        passages = (info.context or {}).get("passages")
        if passages is None:
            return self
        problems = [f"{name} item {item.text[:40]!r}: the quote does not occur in any passage"
                    for name, item in self.items()
                    if all(quote_problem(p, item.quote) for p in passages)]
        if problems:
            raise ValueError("; ".join(problems) + ". Copy quotes word for word, or leave "
                             "those items out.")
        return self


def chosen_passages(fulltext: str, passages: list[Passage]) -> list[Passage]:
    first = passages[:2]
    rest = passages_for_llm(fulltext, passages[2:], None, MAX_PASSAGES - len(first))
    return sorted(first + rest, key=lambda p: p.ordinal)


def llm_sections(llm: LLM, fulltext: str, passages: list[Passage]) -> tuple[dict, int]:
    """({section: lines}, items dropped) for the card's written sections."""
    chosen = chosen_passages(fulltext, passages)
    shown = [as_data(p.text) for p in chosen]
    answer = llm.call(TEMPLATE, LLMCard, context={"passages": shown}, lenient=True,
                      passages=list(enumerate(shown, start=1)))
    sections: dict[str, list[CardLine]] = {"tldr": [], **{name: [] for name in FIELDS}}
    dropped = 0
    for name, item in answer.value.items():
        found = next(((p, span) for p, text in zip(chosen, shown)
                      if (span := locate(text, item.quote))), None)
        if found is None:
            dropped += 1  # the quote is not in the text
            continue
        passage, (start, end) = found
        start, end = passage.char_start + start, passage.char_start + end
        quote, text = fulltext[start:end], " ".join(item.text.split())
        if invents_numbers(text, quote):
            dropped += 1
            continue
        sections[name].append(CardLine(text=text, quote=quote, page=passage.page,
                                       char_start=start, char_end=end, numbers=quantities(text)))
    return sections, dropped
