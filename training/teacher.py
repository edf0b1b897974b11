"""A larger encoder fine-tuned as the verifier's pair scorer, to measure what model size buys.

    python -m training.teacher ../shared/data/check-covid --nli ../shared/data/nli \
        --backbone FOLDER --out DIR [--epochs 1]
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

Measured once (2026-12-07): ``--limit 3875`` (a seeded half of the pairs), one epoch, 996 s,
final loss 1.05 (barely past chance); SciFact-CV ceiling 0.551, against 0.542 for the shipped
MiniLM and 0.560 for MiniLM on all the pairs for three epochs (training/README.md).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
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
                  limit: int | None = None, log=print) -> dict:
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
    encoder, classifier = train_cross_encoder(pairs, labels, epochs=epochs, group=True,
                                              bf16=True, location=str(backbone), log=log)
    meta = {"backbone": backbone.name, "trained_on": f"Check-COVID train; {domain}",
            "command": f"python -m training.teacher {folder} --nli {nli} --backbone {backbone} "
                       f"--out {out} --epochs {epochs}" + (f" --limit {limit}" if limit else ""),
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
                        help="a local sentence-transformers model folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for the weights")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--limit", type=int, help="a seeded sample of N pairs only (a shorter run)")
    args = parser.parse_args()
    meta = train_teacher(args.check_covid, args.nli, args.backbone, args.out, args.epochs,
                         args.limit)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
