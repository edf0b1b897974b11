"""How far a claim bears on the question: one number per claim, and which claims count.

``relevance = (aspect coverage + cosine + paper similarity) / 3``:

- the share of the question's aspects (:func:`synth.search.question.aspects`) the claim
  holds, an acronym counting as the words it stands for (:func:`~synth.search.question.held_terms`);
- the cosine of the claim's and the question's MiniLM embeddings;
- the screen's similarity of the claim's paper to the question (its best passage), so a
  finding of a paper squarely on the question counts though it says "the SLT group" where
  the question says "split-liver transplantation".

A claim is **on point** when its paper names at least one of the question's named things
(when the question names any: a paper on another model does not answer a question about
LoRA; when they only place the question, "in the UK", a paper squarely on it also counts)
and either its relevance is at least :data:`ON_POINT`, or it is a result (a finding,
comparison or limitation) of a paper **squarely on the question** (:func:`squarely_on`: the
paper's best passage at similarity :data:`SQUARE_SIMILARITY` or more, and its text holding
:data:`SQUARE_COVERAGE` of the question's aspects or more). A study's result rarely repeats
the question ("Data for 54 students showed no differences in scores between groups" answers
"Is a mandatory general surgery rotation necessary in the surgical clerkship?"), so on its
own words it scores 0.2-0.4; its paper says what it is a result of. Only on-point claims count
for the answer, for answerability and for the review score.

On PubMedQA-L's 500 questions (``bench/pubmedqa.py``, each question's own abstract and four
other kept abstracts) the question's own abstract is squarely on it for 76% of the questions,
and 0.2% of the other kept abstracts are.
"""

from __future__ import annotations

import numpy as np

from synth.search.embed import Embedder
from synth.search.question import aspects, held_terms

ON_POINT = 0.4
SQUARE_SIMILARITY = 0.6
SQUARE_COVERAGE = 0.7
RESULT_TYPES = frozenset({"finding", "comparison", "limitation"})


def coverage(question_aspects: set[str], text: str, defined: dict[str, set[str]]) -> float:
    if not question_aspects:
        return 0.0
    return len(question_aspects & held_terms(text, defined)) / len(question_aspects)


def relevances(question: str, texts: list[str], embedder: Embedder,
               defined: list[dict[str, set[str]]], paper_similarity: list[float]) -> list[float]:
    """Each text's relevance to the question (see the module docstring); ``defined``: the
    acronyms each text's paper defines, ``paper_similarity``: its paper's similarity."""
    if not texts:
        return []
    vectors = embedder.encode([question, *texts])
    cosines = np.asarray(vectors[1:] @ vectors[0], dtype=float)
    wanted = aspects(question)
    return [round((coverage(wanted, text, acr) + max(float(cos), 0.0) + max(sim, 0.0)) / 3, 4)
            for text, cos, acr, sim in zip(texts, cosines, defined, paper_similarity)]


def squarely_on(question: str, text: str, defined: dict[str, set[str]], similarity: float) -> bool:
    """Whether a paper is squarely on the question: its best passage's similarity at least
    :data:`SQUARE_SIMILARITY` and its ``text`` holding at least :data:`SQUARE_COVERAGE` of
    the question's aspects (``defined``: the acronyms it and the question define)."""
    return (similarity >= SQUARE_SIMILARITY
            and coverage(aspects(question), text, defined) >= SQUARE_COVERAGE)


def on_point(relevance: float, claim_type: str, square: bool) -> bool:
    """Whether a claim counts (its paper naming the question's named things aside): relevance
    at least :data:`ON_POINT`, or a result of a paper squarely on the question (``square``)."""
    return relevance >= ON_POINT or (claim_type in RESULT_TYPES and square)
