"""``synth eval judge``: measure the LLM stance judge on labelled questions, and fit it.

The file is JSON Lines, one ``{"question": ..., "text": ..., "answer": ...}`` per line: a
yes/no research question, the text of the study that answers it (its abstract, best without
its conclusion) and the expert's answer, ``yes``, ``no`` or ``maybe`` (any other answer, or a
line without a question or text, refuses the file before anything is asked, naming the line).
``python -m training.questions ../shared/data/pubmedqa`` writes PubMedQA-L's in that form.

The judge (:class:`synth.answer.judge.LLMJudge`) reads each text as it reads an abstract in
``synth ask`` and gives its score ``z`` and ``P(yes)``. Printed: the AUC of the score, yes
against no questions (how well it ranks; 0.5 is chance), the accuracy of its answers (yes at
``P(yes) >= 0.5``, no below; it never says maybe, so every maybe question counts against it),
the same for always answering yes, the share it answers yes, and seconds per question.

``--fit`` fits ``P(yes) = sigmoid(scale * z + shift)`` to the yes and no questions (Platt
scaling: a logistic regression on ``z`` with smoothed targets, so that P(yes) is a
probability and the answer flips where yes and no are equally likely), measures it out of fold
(:data:`FOLDS`-fold), and stores it for the model name and prompt in
``$SYNTH_HOME/judge_fits.json``, where ``synth ask`` finds it. Small local models need it:
unfitted, they lean yes on almost everything they read.

Every answer is cached in the library, so a run stopped by an LLM failure is resumed by
running the command again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from synth.answer.judge import TEMPLATE, LLMJudge
from synth.errors import ConfigError, InvalidInput, LLMUnavailable, shown
from synth.llm.prompts import template_hash
from synth.records.reports import JudgeFit
from synth.verification.evaluate import json_objects

FITS_FILE = "judge_fits.json"
ANSWERS = ("yes", "no", "maybe")
FOLDS = 5
EXAMPLE = '{"question": "...", "text": "...", "answer": "yes"}'


class Question(BaseModel):
    question: str
    text: str
    answer: str


class JudgeReport(BaseModel):
    model: str
    questions: int
    yes: int
    no: int
    maybe: int
    auc: float | None
    accuracy: float
    always_yes: float
    said_yes: float
    seconds_per_question: float
    fit: JudgeFit | None
    fitted_now: bool


def read_questions(path: Path) -> list[Question]:
    """The labelled questions of ``path``; :class:`InvalidInput` for a bad line."""
    out = []
    for n, row in json_objects(path, EXAMPLE):
        if not all(isinstance(row.get(k), str) and row[k].strip() for k in ("question", "text")):
            raise InvalidInput(f"{path}:{n}: not an object with a question and a text",
                               f"write {EXAMPLE}")
        answer = row.get("answer")
        if not isinstance(answer, str) or answer.strip().lower() not in ANSWERS:
            raise InvalidInput(f"{path}:{n}: unknown answer {shown(answer)}",
                               "use yes, no or maybe")
        out.append(Question(question=row["question"], text=row["text"],
                            answer=answer.strip().lower()))
    if not out:
        raise InvalidInput(f"{path} holds no labelled questions",
                           f"give a JSON Lines file, each line {EXAMPLE}")
    return out


def auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """The probability that a positive scores above a negative (ties count half); None
    without both."""
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return None
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above / (len(pos) * len(neg)))


def platt(z: np.ndarray, yes: np.ndarray) -> tuple[float, float]:
    """(scale, shift) of the logistic regression of ``yes`` on ``z``, with Platt's smoothed
    targets ((n+1)/(n+2) for yes, 1/(m+2) for no), by Newton's method."""
    n_yes, n_no = int(yes.sum()), int((~yes).sum())
    target = np.where(yes, (n_yes + 1) / (n_yes + 2), 1 / (n_no + 2))
    x = np.column_stack([z, np.ones_like(z)])
    w = np.zeros(2)
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -700, 700)))
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, x.T @ (p - target))
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(w[0]), float(w[1])


def out_of_fold(z: np.ndarray, answers: np.ndarray) -> float:
    """Accuracy of the fitted judge on each question when fitted on the other folds (folds by
    position: question i is in fold i mod :data:`FOLDS`)."""
    fold = np.arange(len(z)) % FOLDS
    right = 0
    for k in range(FOLDS):
        train = (fold != k) & (answers != "maybe")
        scale, shift = platt(z[train], answers[train] == "yes")
        said = np.where(scale * z[fold == k] + shift >= 0, "yes", "no")
        right += int((said == answers[fold == k]).sum())
    return right / len(z)


def fit_judge(model: str, z: np.ndarray, answers: np.ndarray, file: str) -> JudgeFit:
    """The fit of the module docstring; :class:`InvalidInput` without both yes and no
    questions (at least :data:`FOLDS` of each)."""
    decided = answers != "maybe"
    if (answers == "yes").sum() < FOLDS or (answers == "no").sum() < FOLDS:
        raise InvalidInput(f"{file} needs at least {FOLDS} yes and {FOLDS} no questions to fit "
                           "the judge", "add labelled questions")
    scale, shift = platt(z[decided], answers[decided] == "yes")
    return JudgeFit(model=model, template_hash=template_hash(TEMPLATE), scale=round(scale, 6),
                    shift=round(shift, 6), questions=int(decided.sum()), file=file,
                    accuracy=round(out_of_fold(z, answers), 4),
                    always_yes=round(float((answers == "yes").mean()), 4),
                    auc=round(auc(z[decided], answers[decided] == "yes") or 0.5, 4),
                    date=date.today().isoformat())


def load_fits(home: Path) -> dict[str, JudgeFit]:
    """The stored fits by model name; a malformed file is a :class:`ConfigError`."""
    path = home / FITS_FILE
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {name: JudgeFit.model_validate(fit) for name, fit in raw.items()}
    except (ValueError, AttributeError, ValidationError) as err:
        raise ConfigError(f"{path} is not a file of judge fits ({type(err).__name__})",
                          "delete it and refit with synth eval judge FILE --fit") from None


def stored_fit(home: Path, model: str) -> JudgeFit | None:
    """The fit for ``model`` made with today's prompt, or None."""
    fit = load_fits(home).get(model)
    return fit if fit is not None and fit.template_hash == template_hash(TEMPLATE) else None


def save_fit(home: Path, fit: JudgeFit) -> None:
    fits = {name: f.model_dump() for name, f in load_fits(home).items()}
    fits[fit.model] = fit.model_dump()
    home.mkdir(parents=True, exist_ok=True)
    partial = home / (FITS_FILE + ".partial")
    partial.write_text(json.dumps(fits, indent=1) + "\n", encoding="utf-8")
    partial.replace(home / FITS_FILE)


def eval_judge(judge: LLMJudge, questions: list[Question], file: str, home: Path,
               fit: bool = False,
               progress: Callable[[int, int], None] = lambda done, total: None) -> JudgeReport:
    """Ask the judge every question (see the module docstring); with ``fit``, fit it first
    from these scores, store the fit and report the answers it gives."""
    started = time.perf_counter()
    scores = []
    for i, q in enumerate(questions):
        z = judge.score(q.question, [" ".join(q.text.split())])  # as an abstract is read
        if z is None:
            raise LLMUnavailable(f"the LLM judge stopped after {i} of {len(questions)} "
                                 f"questions: {judge.stopped}",
                                 "fix the LLM and run again: answers so far are cached")
        scores.append(z)
        progress(i + 1, len(questions))
    seconds = (time.perf_counter() - started) / len(questions)
    z = np.array(scores)
    answers = np.array([q.answer for q in questions])
    model = judge.llm.model
    if fit:
        if judge.without_logprobs:
            raise InvalidInput(f"the LLM {model} gave answers without log-probabilities, so "
                               "there is no score to fit", "use a server that returns logprobs")
        judge.fit = fit_judge(model, z, answers, Path(file).name)
        save_fit(home, judge.fit)
    p_yes = np.array([judge.probability(v) for v in z])
    said = np.where(p_yes >= 0.5, "yes", "no")
    decided = answers != "maybe"
    return JudgeReport(
        model=model, questions=len(questions), yes=int((answers == "yes").sum()),
        no=int((answers == "no").sum()), maybe=int((answers == "maybe").sum()),
        auc=None if (a := auc(z[decided], answers[decided] == "yes")) is None else round(a, 4),
        accuracy=round(float((said == answers).mean()), 4),
        always_yes=round(float((answers == "yes").mean()), 4),
        said_yes=round(float((said == "yes").mean()), 4),
        seconds_per_question=round(seconds, 3), fit=judge.fit, fitted_now=fit)
