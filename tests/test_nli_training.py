"""The licence-clean NLI sets as the trainer reads them (real files, read in place), and a tiny
real two-stage run: a general stage written in the adapter format, then training continued
from it."""

from __future__ import annotations

import json

import numpy as np

from synth.verification.scorers import LABELS
from synth.verification.xenc import XencScorer, build_model, read_adapters
from training import nli
from training.verifier import (
    GENERAL_MIX,
    ONE_STAGE_MIX,
    batches,
    general_stage,
    mix,
    replay_mix,
    train_cross_encoder,
)

from .conftest import DATA

NLI = DATA / "nli"


def test_every_set_loads_with_its_labels_and_a_stable_held_back_slice() -> None:
    for name in nli.SETS:
        train, back = nli.load(NLI, name)
        assert len(back) > 100 and 0.02 < len(back) / (len(train) + len(back)) < 0.08, name
        assert not {c for c, _, _ in train} & {c for c, _, _ in back}, name  # by claim
        assert {y for *_, y in train} <= {0, 1, 2}
    assert nli.load(NLI, "fever")[1] == nli.load(NLI, "fever")[1]
    labels = {LABELS[y] for *_, y in nli.load(NLI, "vitaminc-synthetic")[0]}
    assert labels == {"entailment", "contradiction"}  # its release holds no NOT ENOUGH INFO


def test_vitaminc_and_fever_labels_are_read_as_written() -> None:
    first = json.loads((NLI / "vitaminc" / "real.jsonl").read_text().splitlines()[0])
    pair = next(nli.vitaminc(NLI, "real"))
    assert pair[0] == " ".join(first["claim"].split()) and first["label"] == "NOT ENOUGH INFO"
    assert LABELS[pair[2]] == "neutral"
    fever_labels = (NLI / "fever-dev" / "dev.label").read_text().split()
    read = [LABELS[y] for *_, y in nli.fever(NLI)]
    assert read == ["entailment" if x == "entailment" else "contradiction" for x in fever_labels]


def test_citation_markers_are_stripped_and_rationales_labelled_by_the_claim() -> None:
    raw = json.loads((NLI / "citation-integrity" / "claims_train.jsonl").read_text()
                     .splitlines()[0])
    assert "[<|multi_cit|>]" in raw["claim"]
    pairs = list(nli.citation_integrity(NLI))
    assert not any("<|" in c for c, _, _ in pairs)
    first = [p for p in pairs if p[0] == nli.tidy(raw["claim"])]
    assert LABELS[first[0][2]] == "entailment" and LABELS[first[-1][2]] == "neutral"


def test_length_grouped_batches_cover_every_pair_once() -> None:
    import random

    pairs = [("c" * (i % 37), "e" * (i % 11)) for i in range(1000)]
    grouped = batches(pairs, 16, random.Random(1), group=True)
    assert sorted(i for b in grouped for i in b) == list(range(1000))
    plain = batches(pairs, 16, random.Random(1))
    order = list(range(1000))
    random.Random(1).shuffle(order)
    assert plain == [order[i:i + 16] for i in range(0, 1000, 16)]  # the old recipe's order


def test_a_general_stage_file_is_a_start_for_the_next_stage(tmp_path) -> None:
    sizes = {"vitaminc-real": 24, "fever": 8, "snli": 8}
    stage = tmp_path / "general.safetensors"
    meta = general_stage(NLI, stage, sizes=sizes, log=lambda *_: None)
    assert meta["stage"] == "general" and meta["pairs"] == 40
    assert read_adapters(stage)[1]["trained_on"] == sizes
    scorer = XencScorer(stage)
    probs = scorer.score([("A cat sat.", "A cat sat on the mat.")])
    assert probs.shape == (1, 3) and np.isclose(probs.sum(), 1, atol=1e-5)
    tensors = read_adapters(stage)[0]
    _, encoder, classifier = build_model(stage)
    _, base, _ = build_model()
    name = "encoder.layer.0.attention.self.query.weight"
    change = (tensors[f"{name}.lora_b"].float() @ tensors[f"{name}.lora_a"].float()).numpy()
    started = dict(encoder.named_parameters())[name].detach().numpy()
    assert np.abs(change).max() > 0
    assert np.allclose(started - dict(base.named_parameters())[name].detach().numpy(), change,
                       atol=1e-6)
    assert np.array_equal(classifier.weight.detach().numpy(), tensors["classifier.weight"].numpy())
    trained, _ = train_cross_encoder([("a b", "a b c")] * 4, [0, 1, 2, 0], epochs=1, batch=4,
                                     start=stage, log=lambda *_: None)
    assert dict(trained.named_parameters())[name].shape == started.shape


def test_replayed_general_pairs_are_ones_stage_one_never_saw() -> None:
    sizes = replay_mix(600)
    assert sum(sizes.values()) == 600 and set(sizes) == set(GENERAL_MIX)
    assert sizes["vitaminc-real"] == 300  # GENERAL_MIX's proportions
    small = {"fever": 50, "snli": 40}
    seen, _, _ = mix(NLI, small)
    fresh, labels, used = mix(NLI, small, after=small)
    assert used == small and len(fresh) == len(labels) == 90
    assert not set(fresh) & set(seen)
    assert mix(NLI, small, after=small)[0] == fresh  # the same draw every time


def test_bfloat16_training_changes_float32_weights_and_the_one_stage_mix_names_real_sets() -> None:
    import torch

    assert set(ONE_STAGE_MIX) <= set(nli.SETS)
    _, base, _ = build_model()
    name = "encoder.layer.0.attention.self.query.weight"
    before = dict(base.named_parameters())[name].detach().clone()
    trained, classifier = train_cross_encoder([("a b", "a b c"), ("x", "not x")] * 2,
                                              [0, 2, 0, 2], epochs=1, batch=4, bf16=True,
                                              log=lambda *_: None)
    after = dict(trained.named_parameters())[name]
    assert after.dtype == torch.float32 and classifier.weight.dtype == torch.float32
    assert not torch.equal(before, after.detach())


def test_a_teacher_trains_on_any_encoder_folder_and_scores_as_the_verifier_does(tmp_path) -> None:
    from pathlib import Path

    from synth.verification.xenc import base_location
    from training.teacher import TeacherScorer, train_teacher

    out = tmp_path / "teacher"
    meta = train_teacher(DATA / "check-covid", NLI, Path(base_location()), out, limit=32,
                         log=lambda *_: None)
    assert meta["pairs"] == 32 and (out / "model.safetensors").exists()
    scorer = TeacherScorer(out)
    probs = scorer.score([("Masks reduce transmission.", "Masks cut transmission by 30%."),
                          ("Masks reduce transmission.", "The sky is blue.")])
    assert probs.shape == (2, 3) and np.allclose(probs.sum(1), 1, atol=1e-4)
    base = XencScorer()  # a different model: the teacher's own weights were loaded
    assert not np.allclose(probs, base.score([("Masks reduce transmission.",
                                               "Masks cut transmission by 30%."),
                                              ("Masks reduce transmission.",
                                               "The sky is blue.")]), atol=1e-3)
    # a further run goes on from the teacher's own encoder (a fresh head)
    from safetensors import safe_open

    from training.teacher import as_backbone

    with as_backbone(out) as location, safe_open(str(Path(location) / "model.safetensors"),
                                                 framework="pt") as f:
        keys = set(f.keys())
        with safe_open(str(out / "model.safetensors"), framework="pt") as g:
            first = next(k for k in keys if k.endswith("weight"))
            assert np.allclose(f.get_tensor(first).numpy(),
                               g.get_tensor(f"encoder.{first}").numpy())
    # the encoder's own names ("embeddings.", "encoder.layer."), without the head
    assert "embeddings.word_embeddings.weight" in keys
    assert not any(k.startswith(("classifier.", "encoder.embeddings")) for k in keys)
    again = train_teacher(DATA / "check-covid", NLI, out, tmp_path / "again", limit=16,
                          log=lambda *_: None)
    assert again["pairs"] == 16 and (tmp_path / "again" / "model.safetensors").exists()
