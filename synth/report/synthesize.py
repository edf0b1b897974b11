"""The synthesis text of a report, written only from on-point claims that rest on their source
(verbatim quotes, or paraphrases verified against their paper).

Offline (no LLM), it is assembled deterministically: the answer line first
(:mod:`synth.answer.answer`), then one sentence per such claim it does not already cite, most
relevant first, each citing its claim as ``[Cn]`` and saying whether another kept paper
corroborates or contests it. No sentence states a fact about the literature without citing
the claim it comes from.

With an LLM (:func:`llm_abstract`, prompt ``synth/templates/synthesize.j2``) the sentences are
generated from the numbered verified claims and then checked in code by the response model:
every cited number must be a verified claim, and a sentence that cites nothing must not state
a finding (:func:`states_a_finding`: a number, or claim cues without a negation). A
failing answer goes back to the model with the errors; after the re-asks the caller falls
back to the offline text. The answer line is always synth's own, not the model's.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from synth.answer.answer import counts
from synth.claims.cues import claim_cues
from synth.llm.client import LLM
from synth.llm.prompts import as_data
from synth.parsing.numbers import quantities
from synth.records.reports import Answer, ReportClaim, Sentence

TEMPLATE = "synthesize.j2"
MAX_SENTENCES = 6


_DISCLAIMS = re.compile(r"\b(not|no|none|neither|nor|unclear|unknown|unanswered)\b", re.I)


def states_a_finding(text: str) -> bool:
    """A number, or a claim cue in a sentence that does not deny or disclaim."""
    return bool(quantities(text)) or (claim_cues(text).score >= 1.0
                                      and not _DISCLAIMS.search(text))


class Synthesis(BaseModel):
    sentences: list[Sentence] = Field(max_length=MAX_SENTENCES,
                                      description="the abstract, sentence by sentence")

    @model_validator(mode="after")
    def cites_are_checked(self, info: ValidationInfo) -> Synthesis:
        known = (info.context or {}).get("claims")
        if known is None:
            return self
        problems = []
        for i, s in enumerate(self.sentences, start=1):
            unknown = [n for n in s.cites if n not in known]
            if unknown:
                problems.append(f"sentence {i} cites {unknown}, which are not claims in the list")
            if not s.cites and states_a_finding(s.text):
                problems.append(f"sentence {i} states a finding but cites no claim")
        if problems:
            raise ValueError("; ".join(problems) + ". Cite the claims each finding rests on, "
                             "or remove the finding.")
        return self

ABSTRACT_CLAIMS = 5


def short_title(title: str, words: int = 8) -> str:
    parts = title.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def claim_sentence(c: ReportClaim) -> Sentence:
    text = c.text.rstrip()
    if text and text[-1] not in ".!?":
        text += "."
    tail = {"corroborated": " Another kept paper corroborates it.",
            "contested": " Another kept paper contests it."}.get(c.independent or "", "")
    return Sentence(text=f"{short_title(c.title)} ({c.paper_id}) reports: {text}{tail}",
                    cites=[c.n])


def on_point_verified(claims: list[ReportClaim]) -> list[ReportClaim]:
    """On-point claims resting on their source (quoted or verified), most relevant first."""
    return sorted((c for c in claims if counts(c)),
                  key=lambda c: (-(c.relevance or 0.0), -c.confidence, c.n))


def answer_sentence(answer: Answer) -> Sentence:
    return Sentence(text=answer.text, cites=answer.cites)


def offline_abstract(answer: Answer, claims: list[ReportClaim]) -> list[Sentence]:
    rest = [c for c in on_point_verified(claims) if c.n not in answer.cites]
    if answer.verdict == "not_answered":
        rest = []
    return [answer_sentence(answer)] + [claim_sentence(c) for c in rest[:ABSTRACT_CLAIMS]]


def llm_abstract(llm: LLM, question: str, answer: Answer,
                 claims: list[ReportClaim]) -> list[Sentence]:
    """The LLM's checked abstract after synth's answer line; raises
    :class:`~synth.errors.LLMError` when no answer passes the checks."""
    listed = [(c.n, as_data(c.text)) for c in on_point_verified(claims)[:20]]
    if not listed or answer.verdict == "not_answered":
        return offline_abstract(answer, claims)
    drafted = llm.call(TEMPLATE, Synthesis, context={"claims": {n for n, _ in listed}},
                       question=as_data(question), claims=listed, max_sentences=MAX_SENTENCES)
    return [answer_sentence(answer)] + [
        Sentence(text=" ".join(s.text.split()), cites=sorted(set(s.cites)))
        for s in drafted.value.sentences if s.text.strip()]
