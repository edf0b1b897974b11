"""The verifier trainer on the real Check-COVID data: the split, the pairs, and a tiny real
training run whose adapter file loads back as a scorer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synth.verification.scorers import LABELS
from synth.verification.xenc import XencScorer
from training.verifier import (
    PUBMEDQA_REPEAT,
    load_check_covid,
    pubmedqa_pairs,
    save_adapters,
    split_by_abstract,
    synthetic_training_pairs,
    train_cross_encoder,
    training_pairs,
)

from .conftest import DATA

CHECK_COVID = DATA / "check-covid"
BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"


@pytest.fixture(scope="module")
def check_covid():
    return load_check_covid(CHECK_COVID)


def test_split_keeps_each_abstract_on_one_side(check_covid) -> None:
    claims, _ = check_covid
    train, held = split_by_abstract(claims)
    assert len(train) + len(held) == len(claims) and 0.1 < len(held) / len(claims) < 0.35
    assert not {c["cord_id"] for c in train} & {c["cord_id"] for c in held}
    assert split_by_abstract(claims) == (train, held)  # seeded: the same every time


def test_pairs_label_rationales_by_the_claim_label(check_covid) -> None:
    claims, corpus = check_covid
    refute = next(c for c in claims if c["label"] == "REFUTE")
    pairs, labels = training_pairs([refute], corpus)
    rationale = corpus[refute["cord_id"]][refute["evidence_set"][0]["sent_index"]]
    assert LABELS[labels[pairs.index((refute["claim"], rationale))]] == "contradiction"
    assert all(c == refute["claim"] for c, _ in pairs)
    assert LABELS[labels[-1]] == "neutral"  # a sentence of another abstract


def test_pubmedqa_pairs_are_statements_against_conclusions_outside_the_held_part() -> None:
    import json

    from training.stance import held

    items = json.loads((DATA / "pubmedqa" / "pqal_dev.json").read_text())
    pairs, labels = pubmedqa_pairs(DATA / "pubmedqa")
    fitting = [item for pmid, item in items.items() if not held(pmid)]
    assert len(pairs) == len(labels) == PUBMEDQA_REPEAT * len(fitting) > 0
    conclusions = {" ".join(item["LONG_ANSWER"].split()): item for item in fitting}
    held_conclusions = {" ".join(item["LONG_ANSWER"].split())
                        for pmid, item in items.items() if held(pmid)}
    for (claim, evidence), label in zip(pairs, labels):
        assert evidence not in held_conclusions and claim.endswith(".")
        want = {"yes": "entailment", "no": "contradiction", "maybe": "neutral"}
        assert LABELS[label] == want[conclusions[evidence]["final_decision"]]


def test_synthetic_pairs_come_from_training_abstracts_and_an_arxiv_file(check_covid) -> None:
    claims, corpus = check_covid
    train, held = split_by_abstract(claims)
    pairs, labels = synthetic_training_pairs(train, corpus, BIBLE, 400)
    assert len(pairs) == 1200 and np.bincount(labels).tolist() == [400, 400, 400]
    own = " ".join(s for c in train for s in corpus[c["cord_id"]])
    held_text = " ".join(s for c in held for s in corpus[c["cord_id"]])
    premises = {p for _, p in pairs}
    assert not any(p in held_text for p in premises)  # the decider's held abstracts unseen
    assert any(p in own for p in premises)  # Check-COVID's training abstracts are used too
    only_covid, _ = synthetic_training_pairs(train, corpus, None, 400)
    assert only_covid and all(p in own for _, p in only_covid)


@pytest.mark.slow
def test_tiny_training_run_writes_adapters_that_load(check_covid, tmp_path: Path) -> None:
    claims, corpus = check_covid
    pairs, labels = training_pairs(claims[:6], corpus)
    encoder, classifier = train_cross_encoder(pairs, labels, epochs=1, batch=8, log=lambda _: None)
    out = tmp_path / "adapters.safetensors"
    save_adapters(out, encoder, classifier, {})
    assert out.stat().st_size < 3_000_000  # a compressed weight change, not a model copy
    scorer = XencScorer(out)
    probs = scorer.score(pairs[:3])
    assert probs.shape == (3, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert scorer.decider is None  # no decider was fitted into this file
