"""A larger encoder fine-tuned as the verifier's pair scorer, to measure what model size buys.

    python -m training.teacher ../shared/data/check-covid --nli ../shared/data/nli \
        --backbone FOLDER --out DIR [--epochs 1] [--lr 2e-5] [--float32]
    python bench/decider_fits.py --teacher DIR

``FOLDER`` is a local sentence-transformers model folder, e.g. all-mpnet-base-v2 assembled from
its PyPI parts (``../shared/MODELS.md``: 110M parameters, 12 layers, hidden 768; Apache-2.0).
It is trained exactly as the in-domain recipe of :mod:`training.verifier` trains MiniLM
(Check-COVID train and Citation-Integrity train, mean pooling, a linear 3-way head, bfloat16
autocast where the CPU has it) and written whole to ``DIR/model.safetensors`` (with the
backbone's tokenizer and config copied beside it), since a change to a base synth does not
ship cannot be shipped as a delta. It is never a synth default: on 2 cores all-mpnet-base-v2
trains at 2.3-3.9 pairs/s and scores about 11 pairs/s (MiniLM: 12-18 and 60), so as the
verifier it would check one or two claims a second. What it is for: the claim-level ceiling
of a bigger scorer on the same data (``bench/decider_fits.py --teacher DIR``), and, if that
ceiling is worth it, a teacher whose scores a MiniLM student learns.

Measured (2026-12-07), all at the learning rate MiniLM trains with, 5e-5 (the head 20 times
it), bfloat16 autocast:

- ``--limit 3875`` (a seeded half of the pairs), one epoch, 996 s, final loss 1.05 (barely past
  chance); SciFact-CV ceiling 0.551, against 0.542 for the shipped MiniLM and 0.560 for MiniLM
  on all the pairs for three epochs (training/README.md).
- all 7,749 pairs, two epochs, 5,562 s: epoch losses 1.068 and 1.0988, which is ln 3: the
  model collapsed to the same output for every pair (the class-weighted loss of a uniform
  guess). Its ceiling was not measured: it would say nothing of the backbone. The half run's
  1.05 was most likely the same failure under way, so 0.551 is not the larger backbone's
  ceiling either.

Hence ``--lr`` (default 2e-5, the usual rate for a 110M-parameter BERT-style encoder) and
``--float32``, and the mean loss every 50 steps in the log: a run whose loss is not clearly
below 1.0 by the end of its first epoch is failing. A 1,600-pair check (100 steps) is too short
to tell: mpnet at 2e-5 1.081, MiniLM at 5e-5 1.071. All 7,749 pairs, one epoch at 2e-5
(1,791 s): epoch loss 1.029, the mean of the last 50 steps about 0.97, so learning, slowly;
SciFact-CV ceiling **0.552** (SUPPORT 0.593, CONTRADICT 0.409, NEI 0.655, ECE 0.044), no
higher than the half run or the shipped MiniLM (0.542), below MiniLM trained three epochs on
the same pairs (0.560). A second epoch from that encoder (``--backbone`` given the first run's
``--out``: :func:`as_backbone` keeps the encoder, the head starts fresh; 2,616 s, epoch loss
0.907): ceiling **0.568** (SUPPORT 0.606, CONTRADICT 0.435, NEI 0.664, ECE 0.046), within
noise of MiniLM's 0.560 and 0.08 short of the 0.65 target. No student was trained.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np

from synth.verification.decide import ClaimClassifier
from synth.verification.xenc import XencScorer, bf16_is_fast
from training.verifier import (
    SEED,
    load_check_covid,
    mix,
    split_by_abstract,
    train_cross_encoder,
    training_pairs,
)

COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
          "vocab.txt")


def train_teacher(folder: Path, nli: Path, backbone: Path, out: Path, epochs: int = 1,
                  limit: int | None = None, lr: float = 2e-5, bf16: bool = True,
                  log=print) -> dict:
    """Fine-tune ``backbone`` on the in-domain pairs (a seeded sample of ``limit`` of them,
    for a shorter run); write it whole into ``out``."""
    from safetensors.torch import save_file

    claims, corpus = load_check_covid(folder)
    train_claims, _ = split_by_abstract(claims)
    pairs, labels = training_pairs(train_claims, corpus)
    extra, extra_labels, domain = mix(nli, {"citation-integrity": 10**9})
    pairs, labels = pairs + extra, labels + extra_labels
    if limit is not None and limit < len(pairs):  # a seeded sample, both sets in proportion
        chosen = sorted(random.Random(SEED).sample(range(len(pairs)), limit))
        pairs, labels = [pairs[i] for i in chosen], [labels[i] for i in chosen]
    log(f"teacher {backbone.name}: {len(pairs)} pairs {np.bincount(labels, minlength=3).tolist()}")
    started = time.perf_counter()
    with as_backbone(backbone) as location:
        encoder, classifier = train_cross_encoder(pairs, labels, epochs=epochs, group=True,
                                                  lr=lr, bf16=bf16, location=location, log=log)
    meta = {"backbone": backbone.name, "trained_on": f"Check-COVID train; {domain}",
            "command": f"python -m training.teacher {folder} --nli {nli} --backbone {backbone} "
                       f"--out {out} --epochs {epochs} --lr {lr}" + ("" if bf16 else " --float32")
                       + (f" --limit {limit}" if limit else ""),
            "date": date.today().isoformat(), "epochs": epochs, "pairs": len(pairs),
            "seconds": round(time.perf_counter() - started)}
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if (backbone / name).exists():
            shutil.copy(backbone / name, out / name)
    tensors = {f"encoder.{k}": v.detach().contiguous() for k, v in encoder.state_dict().items()}
    tensors.update({f"classifier.{k}": v.detach().contiguous()
                    for k, v in classifier.state_dict().items()})
    save_file(tensors, str(out / "model.safetensors.partial"),
              metadata={"synth": json.dumps(meta)})
    (out / "model.safetensors.partial").replace(out / "model.safetensors")
    return meta


@contextmanager
def as_backbone(folder: Path) -> Iterator[str]:
    """``folder`` as a model location: itself, or, for a teacher this module wrote (its encoder
    saved under ``encoder.``), a temporary copy of that encoder alone, so training goes on from
    it (with a fresh head: a further epoch of a finished run)."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    weights = folder / "model.safetensors"
    with safe_open(str(weights), framework="pt") as f:
        keys = list(f.keys())
        if not any(k.startswith("encoder.") for k in keys):
            yield str(folder)
            return
        encoder = {k[len("encoder."):]: f.get_tensor(k) for k in keys if k.startswith("encoder.")}
    with tempfile.TemporaryDirectory() as where:
        for name in COPIED:
            if (folder / name).exists():
                shutil.copy(folder / name, Path(where) / name)
        save_file(encoder, str(Path(where) / "model.safetensors"))
        yield where


class TeacherScorer(XencScorer):
    """A :class:`XencScorer` over a whole fine-tuned encoder written by :func:`train_teacher`
    (no decider of its own: ``bench/decider_fits.py`` fits them)."""

    def __init__(self, folder: Path) -> None:
        import torch
        from safetensors import safe_open
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        self.name = f"teacher:{folder.name}"
        with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
            self.meta = json.loads((f.metadata() or {}).get("synth", "{}"))
        self.decider: ClaimClassifier | None = None
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.encoder = AutoModel.from_config(AutoConfig.from_pretrained(str(folder))).eval()
        self.encoder.load_state_dict({k[len("encoder."):]: v for k, v in tensors.items()
                                      if k.startswith("encoder.")})
        self.classifier = torch.nn.Linear(self.encoder.config.hidden_size, 3).eval()
        self.classifier.load_state_dict({k[len("classifier."):]: v for k, v in tensors.items()
                                         if k.startswith("classifier.")})
        self.dtype = torch.bfloat16 if bf16_is_fast() else torch.float32
        self.encoder.to(self.dtype)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check_covid", type=Path, help="the Check-COVID folder")
    parser.add_argument("--nli", type=Path, required=True, help="the nli/ data folder")
    parser.add_argument("--backbone", type=Path, required=True,
                        help="a local sentence-transformers model folder, or the --out folder "
                        "of an earlier run to train it further (with a fresh head)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the weights")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--limit", type=int, help="a seeded sample of N pairs only (a shorter run)")
    parser.add_argument("--lr", type=float, default=2e-5,
                        help="the encoder's learning rate (the head's is 20 times it)")
    parser.add_argument("--float32", action="store_true", help="no bfloat16 autocast")
    args = parser.parse_args()
    meta = train_teacher(args.check_covid, args.nli, args.backbone, args.out, args.epochs,
                         args.limit, args.lr, not args.float32)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
