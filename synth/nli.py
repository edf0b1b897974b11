"""The scoring seam of verification: (claim, evidence sentence) pairs -> probabilities of
entailment, neutral and contradiction, one row per pair, columns in :data:`LABELS` order.

Backends, chosen by name with :func:`load_scorer` (setting ``verify_model``):

* ``synth-xenc`` (default): the shipped MiniLM fine-tuned as a 3-way NLI cross-encoder
  (:mod:`synth.xenc`), with a claim-level decider fitted and calibrated on held-out claims.
  Trained on Check-COVID train (MIT) only, by ``python -m synth.train_verifier``; its figures
  on SciFact are in the README. Licence-clean and offline.
* ``synth-head``: the earlier default, a logistic head (``synth/data/verifier_head.json``) over
  MiniLM embedding features of the pair and lexical cues (:mod:`synth.head`). Weaker; kept as
  the fast baseline row of ``bench/verify_backends.py``.
* ``llm-judge``: the default, then the configured LLM re-judges the most decisive pairs
  (:mod:`synth.judge`).
* ``cross-encoder:NAME_OR_PATH``: any sentence-transformers ``CrossEncoder`` NLI model (for
  example ``cross-encoder:cross-encoder/nli-deberta-v3-small`` from a model hub or a local copy);
  its ``id2label`` must name entailment, neutral and contradiction.
* ``onnx:PATH``: a folder with ``model.onnx``, ``tokenizer.json`` and a ``config.json`` whose
  ``id2label`` names the NLI labels (any exported sequence-classification model).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import numpy as np

from .config import Settings
from .embed import Embedder
from .errors import ModelError

LABELS = ("entailment", "neutral", "contradiction")
DEFAULT_SCORER = "synth-xenc"


class PairScorer(Protocol):
    name: str

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """(n, 3) probabilities [entailment, neutral, contradiction] for (claim, evidence) pairs."""
        ...


def label_order(id2label: dict) -> list[int]:
    """Column of each of :data:`LABELS` in a model's output, from its ``id2label``."""
    names = {int(i): str(n).lower() for i, n in id2label.items()}
    order = []
    for want in ("entail", "neutral", "contradict"):
        found = [i for i, n in names.items() if n.startswith(want)]
        if len(found) != 1:
            raise ModelError(f"model labels {sorted(names.values())} do not name "
                             f"{want!r} once, so it is not a 3-way NLI model",
                             "give an NLI model (entailment / neutral / contradiction)")
        order.append(found[0])
    return order


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class CrossEncoderScorer:
    def __init__(self, location: str) -> None:
        self.name = f"cross-encoder:{location}"
        try:
            from sentence_transformers import CrossEncoder

            self.model = CrossEncoder(location, device="cpu")
        except Exception as err:  # any loader failure becomes one line that says what to do
            raise ModelError(f"cannot load cross-encoder {location!r}: {type(err).__name__}",
                             "give a local folder or a model name your machine can fetch") from err
        self.order = label_order(self.model.config.id2label)

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        logits = np.asarray(self.model.predict(pairs, apply_softmax=False, show_progress_bar=False))
        return softmax(logits[:, self.order]).astype(np.float32)


class OnnxScorer:
    def __init__(self, folder: str) -> None:
        self.name = f"onnx:{folder}"
        path = Path(folder).expanduser()
        needed = [path / n for n in ("model.onnx", "tokenizer.json", "config.json")]
        missing = [p.name for p in needed if not p.is_file()]
        if missing:
            raise ModelError(f"{path} lacks {', '.join(missing)}",
                             "export the model with its tokenizer.json and config.json")
        import onnxruntime
        from tokenizers import Tokenizer

        self.session = onnxruntime.InferenceSession(str(needed[0]),
                                                    providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(needed[1]))
        self.tokenizer.enable_truncation(512)
        self.tokenizer.enable_padding()
        self.order = label_order(json.loads(needed[2].read_text()).get("id2label", {}))
        self.inputs = {i.name for i in self.session.get_inputs()}

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        enc = self.tokenizer.encode_batch(pairs)
        feed = {"input_ids": [e.ids for e in enc], "attention_mask": [e.attention_mask for e in enc],
                "token_type_ids": [e.type_ids for e in enc]}
        feed = {k: np.asarray(v, dtype=np.int64) for k, v in feed.items() if k in self.inputs}
        logits = self.session.run(None, feed)[0]
        return softmax(np.asarray(logits)[:, self.order]).astype(np.float32)


def load_scorer(name: str = DEFAULT_SCORER, embedder: Embedder | None = None,
                settings: Settings | None = None) -> PairScorer:
    """A scorer by backend name (see the module docstring). ``embedder`` is reused by the
    ``synth-head`` scorer (pass a :class:`~synth.embed.CachedEmbedder` to keep sentence
    vectors); ``settings`` name the LLM for ``llm-judge``."""
    if name == "llm-judge":
        from .judge import LLMJudgeScorer
        from .llm import LLM

        if settings is None:
            raise ModelError("llm-judge needs settings that name an LLM",
                             "set SYNTH_LLM_BASE_URL and SYNTH_LLM_MODEL")
        llm = LLM(settings)  # a missing LLM setting is reported before any model loads
        return LLMJudgeScorer(load_scorer(DEFAULT_SCORER), llm)
    if name == DEFAULT_SCORER:
        from .xenc import XencScorer

        return XencScorer()
    if name == "synth-head":
        from .head import HeadScorer

        return HeadScorer.load(embedder=embedder)
    kind, _, location = name.partition(":")
    if kind == "cross-encoder" and location:
        return CrossEncoderScorer(location)
    if kind == "onnx" and location:
        return OnnxScorer(location)
    raise ModelError(f"unknown verification model {name!r}",
                     "use synth-xenc, synth-head, llm-judge, cross-encoder:NAME_OR_PATH or "
                     "onnx:FOLDER")
