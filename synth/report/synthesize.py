"""The synthesis text of a report, written only from on-point claims that rest on their source
(verbatim quotes, or paraphrases verified against their paper).

Offline (no LLM), it is assembled deterministically: the answer line first
(:mod:`synth.answer.answer`), then one sentence per such claim it does not already cite, most
relevant first, a paper's claims together (its name once: "It also reports: ..."), each
citing its claim as ``[Cn]`` and saying whether another kept paper corroborates or contests
it. No sentence states a fact about the literature without citing
the claim it comes from.

With an LLM (:func:`llm_abstract`, prompt ``synth/templates/synthesize.j2``) the model drafts
from the same numbered claims and synth's stance table (the verdict, and each paper for or
against with its claims; for an open question, the key findings), and the draft is checked in
code by the response model: its answer sentence opens with the table's verdict ("Yes", "No",
"Mixed", "Partly answered") and cites claims; every citation is a listed claim; a sentence
that cites nothing states no finding (:func:`states_a_finding`: a number, or claim cues without
a negation); every number a sentence states is in a claim it cites. A failing draft goes back
to the model with the errors; after the re-asks the caller falls back to the offline text.
The report's answer object and line stay synth's own; the drafted answer sentence opens the
abstract.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from synth.answer.answer import counts
from synth.claims.cues import claim_cues
from synth.llm.client import LLM
from synth.llm.prompts import as_data
from synth.parsing.numbers import numbers_not_in, quantities
from synth.records.reports import Answer, ReportClaim, Sentence

TEMPLATE = "synthesize.j2"
MAX_SENTENCES = 6


_DISCLAIMS = re.compile(r"\b(not|no|none|neither|nor|unclear|unknown|unanswered)\b", re.I)


def states_a_finding(text: str) -> bool:
    """A number, or a claim cue in a sentence that does not deny or disclaim."""
    return bool(quantities(text)) or (claim_cues(text).score >= 1.0
                                      and not _DISCLAIMS.search(text))


_STATED = {"yes": "yes", "no": "no", "leans yes": "yes", "leans no": "no", "mixed": "mixed",
           "partly": "partly_answered", "not answered": "not_answered"}
"""How an answer sentence states each verdict: its opening words."""


def stated_verdict(text: str) -> str | None:
    """The verdict an answer sentence states by its opening words ("Yes", "No", "Leans yes",
    "Leans no", "Mixed", "Partly answered", "Not answered"), or None when it opens with none
    of them."""
    opening = re.sub(r"[^a-z ]", " ", text.lower()).split()
    for words, verdict in sorted(_STATED.items(), key=lambda kv: -len(kv[0])):
        if opening[:len(words.split())] == words.split():
            return verdict
    return None


def sentence_problems(i: int | str, s: Sentence, known: dict[int, str]) -> list[str]:
    """What is wrong with one drafted sentence: a citation of no listed claim, an uncited
    finding, or a number that none of its cited claims states."""
    problems = []
    unknown = [n for n in s.cites if n not in known]
    if unknown:
        problems.append(f"sentence {i} cites {unknown}, which are not claims in the list")
    if not s.cites and states_a_finding(s.text):
        problems.append(f"sentence {i} states a finding but cites no claim")
    cited = " ".join(known[n] for n in s.cites if n in known)
    invented = [q.text for q in numbers_not_in(s.text, cited)] if s.cites else []
    if invented:
        problems.append(f"sentence {i} states {', '.join(invented)}, which its cited claims "
                        "do not")
    return problems


class Synthesis(BaseModel):
    answer: Sentence = Field(description="one sentence that answers the question, opening "
                             "with the given verdict, citing the claims it rests on")
    sentences: list[Sentence] = Field(max_length=MAX_SENTENCES,
                                      description="the rest of the abstract, sentence by sentence")

    @model_validator(mode="after")
    def cites_are_checked(self, info: ValidationInfo) -> Synthesis:
        context = info.context or {}
        known = context.get("claims")
        if known is None:
            return self
        problems = sentence_problems("'answer'", self.answer, known)
        if not self.answer.cites:
            problems.append("the answer cites no claim")
        verdict = context.get("verdict")
        if verdict in _STATED.values() and stated_verdict(self.answer.text) != verdict:
            opening = next(w for w, v in _STATED.items() if v == verdict)
            problems.append(f"the answer must open with \"{opening.capitalize()}\", the "
                            "verdict of the stance table")
        if verdict == "findings" and stated_verdict(self.answer.text) is not None:
            problems.append("the question is open: the answer states findings, not a verdict")
        for i, s in enumerate(self.sentences, start=1):
            problems += sentence_problems(i, s, known)
        if problems:
            raise ValueError("; ".join(problems) + ". Cite the claims each finding rests on, "
                             "state only their numbers, or remove the finding.")
        return self


ABSTRACT_CLAIMS = 5


def short_title(title: str, words: int = 8) -> str:
    parts = title.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def claim_sentence(c: ReportClaim, again: bool = False) -> Sentence:
    """The claim as a sentence of the abstract, opening with its paper ("Title (id) reports:"),
    or with "It also reports:" when ``again``: the sentence before is the same paper's."""
    text = c.text.rstrip()
    if text and text[-1] not in ".!?":
        text += "."
    tail = {"corroborated": " Another kept paper corroborates it.",
            "contested": " Another kept paper contests it."}.get(c.independent or "", "")
    opening = "It also reports:" if again else f"{short_title(c.title)} ({c.paper_id}) reports:"
    return Sentence(text=f"{opening} {text}{tail}", cites=[c.n])


def on_point_verified(claims: list[ReportClaim]) -> list[ReportClaim]:
    """On-point claims resting on their source (quoted or verified), most relevant first."""
    return sorted((c for c in claims if counts(c)),
                  key=lambda c: (-(c.relevance or 0.0), -c.confidence, c.n))


def answer_sentence(answer: Answer) -> Sentence:
    return Sentence(text=answer.text, cites=answer.cites)


def offline_abstract(answer: Answer, claims: list[ReportClaim]) -> list[Sentence]:
    """The answer line, then the other on-point claims: on a yes/no question those that took a
    side first, then the other claims of the papers that took one, each group most relevant
    first."""
    sided = {s.paper_id for s in answer.stances}
    rest = sorted((c for c in on_point_verified(claims) if c.n not in answer.cites),
                  key=lambda c: (c.stance is None, c.paper_id not in sided))
    if answer.verdict == "not_answered":
        rest = []
    chosen = rest[:ABSTRACT_CLAIMS]
    papers = list(dict.fromkeys(c.paper_id for c in chosen))  # in the order its first one comes
    chosen.sort(key=lambda c: papers.index(c.paper_id))  # a paper's claims together
    return [answer_sentence(answer)] + [
        claim_sentence(c, again=i > 0 and chosen[i - 1].paper_id == c.paper_id)
        for i, c in enumerate(chosen)]


def stance_table(answer: Answer, claims: list[ReportClaim]) -> list[tuple[str, str, list[int]]]:
    """The table the writer drafts from: each paper that takes a side (or, for an open
    question, gives a key finding), with the claim numbers it rests on."""
    by_n = {c.n: c for c in claims}
    if answer.kind == "yes_no":
        return [(s.paper_id, s.stance, s.claims) for s in answer.stances
                if s.stance in ("for", "against")]
    found = [by_n[n] for n in answer.findings if n in by_n]
    return [(pid, "key finding", [c.n for c in found if c.paper_id == pid])
            for pid in dict.fromkeys(c.paper_id for c in found)]


def llm_abstract(llm: LLM, question: str, answer: Answer,
                 claims: list[ReportClaim]) -> list[Sentence]:
    """The LLM's abstract, drafted from synth's stance table and checked in code: the answer
    sentence opens with the table's verdict and cites, every sentence that states a finding
    cites it, every number is in a cited claim. Raises :class:`~synth.errors.LLMError` when no
    draft passes the checks; a report whose question is not answered gets the offline text."""
    listed = [(c.n, as_data(c.text)) for c in on_point_verified(claims)[:20]]
    if not listed or answer.verdict == "not_answered":
        return offline_abstract(answer, claims)
    drafted = llm.call(TEMPLATE, Synthesis,
                       context={"claims": {n: text for n, text in listed},
                                "verdict": answer.verdict},
                       question=as_data(question), claims=listed, max_sentences=MAX_SENTENCES,
                       verdict=answer.verdict,
                       statement=as_data(answer.statement) if answer.statement else None,
                       missing=answer.missing + answer.unmentioned,
                       table=stance_table(answer, claims))
    value = drafted.value
    return [Sentence(text=" ".join(s.text.split()), cites=sorted(set(s.cites)))
            for s in [value.answer, *value.sentences] if s.text.strip()]
