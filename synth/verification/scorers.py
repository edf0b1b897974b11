"""The scoring seam of verification: (claim, evidence sentence) pairs -> probabilities of
entailment, neutral and contradiction, one row per pair, columns in :data:`LABELS` order.

:class:`PairScorer` is the interface every backend implements; this module also holds the two
backends that load a user's own model (``cross-encoder:NAME_OR_PATH``, ``onnx:FOLDER``). The
shipped backends are :mod:`synth.verification.xenc`, :mod:`~synth.verification.head` and
:mod:`~synth.verification.judge`; :mod:`synth.verification.backends` picks one by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import numpy as np

from synth.errors import ModelError

LABELS = ("entailment", "neutral", "contradiction")


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
