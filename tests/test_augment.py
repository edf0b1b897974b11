"""Rule-made NLI pairs (training.augment) from real arXiv abstracts."""

from __future__ import annotations

import json
import random

from training.augment import claim_from, finding, flip, synthetic_pairs

from .conftest import DATA

BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_efficiency_subset.jsonl"


def test_claim_from_drops_the_reporting_frame_and_parentheses():
    assert claim_from("Our results show that 4-bit quantization (GPTQ) reduces memory by "
                      "70% on all models.") == ("4-bit quantization reduces memory by 70% on "
                                                "all models.")
    assert claim_from("We show that it works.") is None  # too short to be a claim


def test_flip_swaps_one_direction_word_or_toggles_negation():
    rng = random.Random(0)
    assert flip("Pruning reduces latency on GPUs.", rng) == "Pruning increases latency on GPUs."
    assert flip("Distillation did not hurt accuracy.", rng) == "Distillation did hurt accuracy."
    assert flip("The model is robust to noise.", rng) == "The model is not robust to noise."
    assert flip("Try to better understand it.", rng) is None  # "to better" is no direction


def test_finding_sentences_state_a_directed_result():
    assert finding("Experiments show that our method outperforms the baselines on GLUE.")
    assert not finding("To address this, we propose a more efficient method.")


def test_synthetic_pairs_are_deterministic_balanced_and_differ_by_the_edit():
    abstracts = [json.loads(line)["abstract"] for line in BIBLE.read_text().splitlines()[:400]]
    pairs, labels = synthetic_pairs(abstracts, 50, seed=1)
    assert (pairs, labels) == synthetic_pairs(abstracts, 50, seed=1)
    assert len(pairs) == 150 and labels[:3] == ["entailment", "contradiction", "neutral"]
    for k in range(0, len(pairs), 3):
        (claim, premise), (flipped, same), (flipped_again, other) = pairs[k:k + 3]
        assert same == premise and flipped == flipped_again and other != premise
        assert flipped != claim and abs(len(flipped.split()) - len(claim.split())) <= 2
