"""The LLM-judge verification backend (``SYNTH_VERIFY_MODEL=llm-judge``).

Every (claim, sentence) pair is first scored by the offline default (:mod:`synth.verification.xenc`); then
the configured LLM (:mod:`synth.llm.client`) judges the ``TOP`` pairs that the default found most
decisive (highest entailment or contradiction), and its answer replaces their scores: the
chosen label gets the model's stated confidence, the other two share the rest. Thresholds
(0.5) decide, since the default's fitted claim classifier was fitted on the default's scores,
not on these. The prompt is ``synth/templates/verify_judge.j2``; paper text reaches it only inside
marked data blocks, with angle brackets replaced so it cannot close them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from synth.llm.client import LLM
from synth.llm.prompts import as_data
from synth.verification.decide import Thresholds
from synth.verification.scorers import PairScorer

TOP = 3
TEMPLATE = "verify_judge.j2"
COLUMN = {"supports": 0, "neither": 1, "contradicts": 2}


class Judgement(BaseModel):
    label: Literal["supports", "contradicts", "neither"]
    confidence: float = Field(ge=0, le=1, description="how sure, 0 to 1")


def judgement_row(j: Judgement) -> np.ndarray:
    row = np.full(3, (1 - j.confidence) / 2, dtype=np.float32)
    row[COLUMN[j.label]] = j.confidence
    return row


class LLMJudgeScorer:
    def __init__(self, base: PairScorer, llm: LLM, top: int = TOP) -> None:
        self.base, self.llm, self.top = base, llm, top
        self.name = f"llm-judge:{llm.model}"
        self.decider = Thresholds()

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        probs = np.array(self.base.score(pairs), dtype=np.float32)
        if not pairs:
            return probs
        decisive = np.argsort(-np.maximum(probs[:, 0], probs[:, 2]), kind="stable")[:self.top]
        for i in decisive:
            claim, evidence = pairs[i]
            judgement = self.llm.ask(TEMPLATE, Judgement, claim=as_data(claim),
                                     evidence=as_data(evidence))
            probs[i] = judgement_row(judgement)
        return probs
