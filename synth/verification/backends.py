"""Verification backends by name: :func:`load_scorer` returns the
:class:`~synth.verification.scorers.PairScorer` that the ``verify_model`` setting names.

Backends, chosen by name with :func:`load_scorer` (setting ``verify_model``):

* ``synth-xenc`` (default): the shipped MiniLM fine-tuned as a 3-way NLI cross-encoder
  (:mod:`synth.verification.xenc`), with a claim-level decider fitted and calibrated on held-out claims.
  Trained on Check-COVID train (MIT) only, by ``python -m training.verifier``; its figures
  on SciFact are in training/README.md. Licence-clean and offline.
* ``synth-head``: the earlier default, a logistic head (``synth/data/verifier_head.json``) over
  MiniLM embedding features of the pair and lexical cues (:mod:`synth.verification.head`). Weaker; kept as
  the fast baseline row of ``bench/verify_backends.py``.
* ``llm-judge``: the default, then the configured LLM re-judges the most decisive pairs
  (:mod:`synth.verification.judge`).
* ``cross-encoder:NAME_OR_PATH``: any sentence-transformers ``CrossEncoder`` NLI model (for
  example ``cross-encoder:cross-encoder/nli-deberta-v3-small`` from a model hub or a local copy);
  its ``id2label`` must name entailment, neutral and contradiction.
* ``onnx:PATH``: a folder with ``model.onnx``, ``tokenizer.json`` and a ``config.json`` whose
  ``id2label`` names the NLI labels (any exported sequence-classification model).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synth.config import Settings
from synth.errors import ModelError, shown
from synth.search.embed import Embedder
from synth.store.db import Store
from synth.verification.scorers import CrossEncoderScorer, OnnxScorer, PairScorer

DEFAULT_SCORER = "synth-xenc"


def load_scorer(name: str = DEFAULT_SCORER, embedder: Embedder | None = None,
                settings: Settings | None = None, store: Store | None = None) -> PairScorer:
    """A scorer by backend name (see the module docstring). ``embedder`` is reused by the
    ``synth-head`` scorer (pass a :class:`~synth.search.embed.CachedEmbedder` to keep sentence
    vectors); ``settings`` name the LLM for ``llm-judge``, whose calls are logged to and
    cached in ``store`` like every other LLM call."""
    if name == "llm-judge":
        from synth.llm.client import LLM
        from synth.verification.judge import LLMJudgeScorer

        if settings is None:
            raise ModelError("llm-judge needs settings that name an LLM",
                             "set SYNTH_LLM_BASE_URL and SYNTH_LLM_MODEL")
        llm = LLM(settings, store=store)  # a bad LLM setting is reported before any model loads
        return LLMJudgeScorer(load_scorer(DEFAULT_SCORER), llm)
    if name == DEFAULT_SCORER:
        from synth.verification.xenc import XencScorer

        return XencScorer()
    if name == "synth-head":
        from synth.verification.head import HeadScorer

        return HeadScorer.load(embedder=embedder)
    kind, _, location = name.partition(":")
    if kind == "cross-encoder" and location:
        return CrossEncoderScorer(location)
    if kind == "onnx" and location:
        return OnnxScorer(location)
    raise ModelError(f"unknown verification model {shown(name)}",
                     "use synth-xenc, synth-head, llm-judge, cross-encoder:NAME_OR_PATH or "
                     "onnx:FOLDER")


class LazyScorer:
    """A scorer that loads its model on the first pair it scores, so a rerun whose verdicts
    are all stored does not load it at all. ``name`` is the backend setting until then."""

    def __init__(self, load: Callable[[], PairScorer], name: str) -> None:
        self._load, self._scorer, self.name = load, None, name

    def loaded(self) -> PairScorer:
        if self._scorer is None:
            self._scorer = self._load()
            self.name = self._scorer.name
        return self._scorer

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        return self.loaded().score(pairs)

    @property
    def decider(self) -> object:
        return getattr(self.loaded(), "decider", None)
