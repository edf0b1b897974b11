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

Measured (``python bench/pubmedqa.py --held-only --llm URL``, 210 held PubMedQA questions,
Qwen2.5-Coder-1.5B on llama.cpp): the LLM ranks yes above no better than the stance model
(own paper's P(yes): AUC 0.70 against 0.63), but reading any abstract moves it towards yes
more than the question alone does, so after the subtraction every paper was still above 0.5
and the accuracy, 0.47, was below always answering yes (0.51). Hence opt-in; what it lacks is
a threshold fitted per model on labelled questions.

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

TEMPLATE = "stance.j2"
CHOICES = ("yes", "no", "maybe")
FLOOR = 1e-6  # the least probability a word is given, so the log-odds stay finite


def log_odds(choice: Choice) -> float:
    """log P(yes) - log P(no)."""
    return (math.log(max(choice.probs.get("yes", 0.0), FLOOR))
            - math.log(max(choice.probs.get("no", 0.0), FLOOR)))


@dataclass
class LLMJudge:
    llm: LLM
    stopped: str | None = None

    @property
    def name(self) -> str:
        return f"llm:{self.llm.model}"

    def p_yes(self, question: str, results: list[str]) -> float | None:
        """The probability that these results (a paper's quoted claims) answer ``question``
        yes; None once the judge has stopped."""
        if self.stopped is not None:
            return None
        try:
            said = self.ask(question, results)
            if not said.from_logprobs:
                return {"yes": 1.0, "no": 0.0}.get(max(said.probs, key=said.probs.get), 0.5)
            blank = self.ask(question, [])
        except LLMError as err:
            self.stopped = err.message
            return None
        z = log_odds(said) - (log_odds(blank) if blank.from_logprobs else 0.0)
        return 1.0 / (1.0 + math.exp(-z))

    def ask(self, question: str, results: list[str]) -> Choice:
        return self.llm.choose(TEMPLATE, CHOICES, question=as_data(question),
                               results=[as_data(r) for r in results])
