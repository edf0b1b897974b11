"""With an LLM: how a paper stands on a yes/no question, judged by the LLM (:class:`LLMJudge`).

The answer stage uses it in place of the stance model (:mod:`synth.answer.stance`) when an LLM
is configured for that stage (``SYNTH_LLM_STAGES`` names ``answer``; not by default).
The LLM reads the paper (:func:`synth.answer.answer.reading`: its abstract, or the quoted
claims of a paper read in full) and the question (prompt ``synth/templates/stance.j2``, the
paper's text inside data tags) and answers one word: yes, no or maybe. The paper's
``P(yes)`` is read from the log-probabilities of that word (:meth:`synth.llm.client.LLM.choose`):
the log-odds of "yes" against "no", less the log-odds the same model gives the same question
with no results at all. That subtraction takes out the model's leaning before it reads
anything (small models answer "yes" to most questions): 0.5 means the results move it
neither way. A server that gives no log-probabilities yields 1 for "yes", 0 for "no" and 0.5
for "maybe".

That log-odds ``z`` is the judge's score. Unfitted, ``P(yes) = sigmoid(z)``. A model
fitted on labelled questions (``synth eval judge FILE --fit``, :mod:`synth.answer.judge_fit`)
has ``P(yes) = sigmoid(scale * z + shift)``, the scale and shift stored for that model name in
``$SYNTH_HOME/judge_fits.json`` with the prompt's hash (a fit made for another prompt is not
used). The fit matters: reading any abstract moves a small model towards "yes" more than the
question alone does, so unfitted, every paper leans yes.

Measured (``python bench/pubmedqa.py --held-only --llm URL --fit-judge``, 210 held PubMedQA
questions, Qwen2.5-Coder-1.5B on llama.cpp): unfitted, every question's own paper was above 0.5
and the accuracy, 0.47, was below always answering yes (0.51); fitted on the 290 others, the
judge agrees with the experts on 56% of the held questions' own abstracts, but through
``synth ask`` 0.505 (macro-F1 0.35, the best here; bench/README.md). Hence opt-in.

On the first LLM failure (unreachable, over budget, an answer that is none of the three
words) the judge stops; that paper and the rest are judged by the stance model, and
:attr:`LLMJudge.stopped` says why, for the report's notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from synth.errors import LLMError
from synth.llm.client import LLM, Choice
from synth.llm.prompts import as_data
from synth.records.reports import JudgeFit

TEMPLATE = "stance.j2"
CHOICES = ("yes", "no", "maybe")
FLOOR = 1e-6  # the least probability a word is given, so the log-odds stay finite
ANSWERED = {"yes": 20.0, "no": -20.0, "maybe": 0.0}  # z for a server without log-probabilities


def log_odds(choice: Choice) -> float:
    """log P(yes) - log P(no)."""
    return (math.log(max(choice.probs.get("yes", 0.0), FLOOR))
            - math.log(max(choice.probs.get("no", 0.0), FLOOR)))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 700.0), -700.0)))


@dataclass
class LLMJudge:
    """``fit``: the stored fit for this model and prompt, or None (unfitted);
    ``without_logprobs``: whether some answer came without log-probabilities."""

    llm: LLM
    fit: JudgeFit | None = None
    stopped: str | None = None
    without_logprobs: bool = False

    @property
    def name(self) -> str:
        return f"llm:{self.llm.model}"

    def score(self, question: str, results: list[str]) -> float | None:
        """``z``: the log-odds of yes against no for these results (a paper's abstract or
        quoted claims), less the same for the question with no results; where the server
        gives no log-probabilities, ``ANSWERED`` of the word it answered. None once the judge
        has stopped (:attr:`stopped` says why)."""
        if self.stopped is not None:
            return None
        try:
            said = self.ask(question, results)
            if not said.from_logprobs:
                self.without_logprobs = True
                return ANSWERED[max(said.probs, key=lambda w: said.probs[w])]
            blank = self.ask(question, [])
        except LLMError as err:
            self.stopped = err.message
            return None
        return log_odds(said) - (log_odds(blank) if blank.from_logprobs else 0.0)

    def p_yes(self, question: str, results: list[str]) -> float | None:
        """The probability that these results answer ``question`` yes (the fit applied to
        :meth:`score`); None once the judge has stopped."""
        z = self.score(question, results)
        return None if z is None else self.probability(z)

    def probability(self, z: float) -> float:
        """P(yes) for the score ``z``: the fit applied, or the sigmoid of ``z`` unfitted."""
        return sigmoid(self.fit.scale * z + self.fit.shift if self.fit else z)

    def ask(self, question: str, results: list[str]) -> Choice:
        return self.llm.choose(TEMPLATE, CHOICES, question=as_data(question),
                               results=[as_data(r) for r in results])
