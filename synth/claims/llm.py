"""The LLM claim extractor: passages to the configured LLM, quotes checked in code.

Which passages: the ``max_passages`` (default :data:`MAX_PASSAGES`) that the offline scores
rank highest (:func:`synth.claims.sentences.sentences`), in reading order; when no sentence scores
(a passage in a script the cue patterns do not read, say), the first passages.

Each passage goes through ``synth/templates/extract_claims.j2`` with the passage (and question)
inside data tags. The response model :class:`ProposedClaims` checks every quote against the
passage (instructor's validation context): a quote that does not occur goes back to the LLM
with the error, up to the LLM's retries. After that the answer is salvaged: claims whose
quote occurs are kept, the others dropped and counted. Also dropped and counted: a claim
whose quote or text reads as an instruction to a model, and one whose text states a number
that its quote does not (a paraphrase must not invent figures). A passage whose calls fail outright
(junk after the retries) is counted and reported, and the other passages carry on; a server
that cannot be reached stops the extraction with :class:`~synth.errors.LLMUnavailable`.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from synth.claims.cues import instruction_like, invents_numbers
from synth.claims.quotes import locate, quote_problem
from synth.claims.sentences import claim_id, extraction_id, sentences
from synth.config import Settings
from synth.errors import BudgetExceeded, LLMError, LLMUnavailable
from synth.llm.client import LLM, LLMAnswer
from synth.llm.prompts import as_data, template_hash
from synth.parsing.numbers import quantities
from synth.records.claims import Claim, ClaimType, Extraction, ExtractionStats
from synth.records.papers import Paper, Passage
from synth.store.db import Store

TEMPLATE = "extract_claims.j2"
MAX_PASSAGES = 6
CLAIMS_PER_PASSAGE = 5


class ProposedClaim(BaseModel):
    text: str = Field(description="the claim as one complete, self-contained sentence")
    quote: str = Field(description="the exact words of the passage that state the claim, "
                                   "copied character for character")
    claim_type: ClaimType = Field(description="finding, comparison, limitation, method or "
                                              "definition")


class ProposedClaims(BaseModel):
    claims: list[ProposedClaim] = Field(
        max_length=CLAIMS_PER_PASSAGE,
        description="claims the passage states; empty when it states none")

    @model_validator(mode="after")
    def quotes_occur_in_the_passage(self, info: ValidationInfo) -> ProposedClaims:
        passage = (info.context or {}).get("passage")
        if passage is None:
            return self
        problems = [f"claim {i}: {problem}" for i, c in enumerate(self.claims, start=1)
                    if (problem := quote_problem(passage, c.quote))]
        if problems:
            raise ValueError("; ".join(problems) + ". Fix these quotes or leave those claims out.")
        return self


def passages_for_llm(fulltext: str, passages: list[Passage], question: str | None,
                     limit: int) -> list[Passage]:
    best: dict[str, float] = {}
    for s in sentences(fulltext, passages, question):
        if s.excluded is None:
            best[s.passage.id] = max(best.get(s.passage.id, 0.0), s.rank_key)
    ranked = sorted((p for p in passages if best.get(p.id, 0.0) > 0),
                    key=lambda p: (-best[p.id], p.ordinal))[:limit]
    chosen = ranked or passages[:limit]
    return sorted(chosen, key=lambda p: p.ordinal)


def llm_extraction(store: Store, settings: Settings, paper: Paper, fulltext: str,
                   passages: list[Passage], question: str | None, *, max_claims: int,
                   max_passages: int | None, llm: LLM | None = None) -> Extraction:
    llm = llm or LLM(settings, store=store)
    thash = template_hash(TEMPLATE)
    eid = extraction_id(paper.id, question, "llm", llm.model, thash)
    result = Extraction(id=eid, paper_id=paper.id, question=question, extractor="llm",
                        model=llm.model, template_hash=thash)
    chosen = passages_for_llm(fulltext, passages, question, max_passages or MAX_PASSAGES)
    stats = result.stats = ExtractionStats(passages=len(chosen))
    before = replace(llm.usage)
    for passage in chosen:
        shown = as_data(passage.text)  # what the model sees; same offsets as passage.text
        try:
            answer = llm.call(TEMPLATE, ProposedClaims, context={"passage": shown},
                              lenient=True, question=as_data(question or ""), passage=shown,
                              max_claims=CLAIMS_PER_PASSAGE)
        except (LLMUnavailable, BudgetExceeded):
            raise
        except LLMError as err:
            stats.failed_passages += 1
            result.problems.append(f"{passage.id}: {err}")
            continue
        for proposed in answer.value.claims:
            claim = _checked_claim(proposed, passage, fulltext, answer, result, stats)
            if claim and len(result.claims) < max_claims and claim.id not in {
                    c.id for c in result.claims}:
                result.claims.append(claim)
    spent = llm.usage.minus(before)
    stats.llm_calls, stats.cached_calls = spent.calls, spent.cached
    stats.tokens_in, stats.tokens_out = spent.tokens_in, spent.tokens_out
    stats.seconds, stats.cost = round(spent.seconds, 3), spent.cost
    return result


def _checked_claim(proposed: ProposedClaim, passage: Passage, fulltext: str,
                   answer: LLMAnswer, result: Extraction, stats: ExtractionStats) -> Claim | None:
    stats.proposed += 1
    if instruction_like(proposed.quote) or instruction_like(proposed.text):
        stats.dropped_instruction += 1
        return None
    span = locate(passage.text, proposed.quote)
    if span is None:
        stats.dropped_quote += 1
        return None
    start, end = passage.char_start + span[0], passage.char_start + span[1]
    quote, text = fulltext[start:end], " ".join(proposed.text.split())
    if invents_numbers(text, quote):
        stats.dropped_number += 1
        return None
    if answer.valid and answer.attempts == 1:
        stats.passed_first_try += 1
    else:
        stats.passed_after_retry += 1
    return Claim(id=claim_id(result.id, start, end, text), paper_id=result.paper_id,
                 passage_id=passage.id, page=passage.page, char_start=start, char_end=end,
                 quote=quote, text=text, claim_type=proposed.claim_type,
                 numbers=quantities(text), extractor="llm", model=result.model,
                 template_hash=result.template_hash, llm_call=answer.key)
