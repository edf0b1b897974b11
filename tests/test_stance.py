"""The answer stage's stance model: the shipped weights read result language the way a
researcher would, a file that does not fit is one error, and the model refits from the real
PubMedQA questions (read in place) to beat always answering yes on questions it never saw."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synth.answer.stance import FEATURES, STANCE_PATH, StanceModel, paper_features, shipped
from synth.errors import ModelError
from training import stance as trainer

from .conftest import DATA

NEUTRAL = np.array([[0.1, 0.8, 0.1]])  # the verifier reads neither side


def test_null_results_lean_no_and_effects_lean_yes() -> None:
    model = shipped()
    null = ["Mortality did not differ between the groups (12% vs 13%, p = 0.61).",
            "There was no significant difference in length of stay."]
    effect = ["Length of stay was significantly shorter in the intervention group "
              "(4.1 vs 6.3 days, p < 0.001).", "Use increased from 61% to 71%."]
    assert model.p_yes(np.repeat(NEUTRAL, 2, 0), null) < 0.5 < \
        model.p_yes(np.repeat(NEUTRAL, 2, 0), effect)
    # the verifier's reading counts too: the same sentence, entailed rather than contradicted
    claim = ["Telephone counselling raised mammography use."]
    assert model.p_yes(np.array([[0.05, 0.05, 0.9]]), claim) < \
        model.p_yes(np.array([[0.9, 0.05, 0.05]]), claim)
    features = paper_features(np.repeat(NEUTRAL, 2, 0), null)
    assert features.shape == (len(FEATURES),)
    assert dict(zip(FEATURES, features))["any_null"] == 1.0


def test_a_stance_file_that_does_not_fit_is_one_error(tmp_path) -> None:
    bad = tmp_path / "stance.json"
    data = json.loads(STANCE_PATH.read_text())
    bad.write_text(json.dumps({**data, "features": data["features"][:-1]}))
    with pytest.raises(ModelError) as err:
        StanceModel.load(bad)
    assert "not this synth's" in err.value.message and "training.stance" in err.value.hint
    bad.write_text("{not json")
    with pytest.raises(ModelError):
        StanceModel.load(bad)


@pytest.mark.slow
def test_the_model_refits_from_pubmedqa_and_beats_always_yes_on_held_questions(tmp_path) -> None:
    out = tmp_path / "stance.json"
    data = trainer.fit(DATA / "pubmedqa", out, log=lambda *_: None)
    held = data["report"]["held"]
    assert held["questions"] > 150
    assert held["accuracy"] > held["always_yes"] and held["auc_yes_no"] > 0.6
    assert 0 < held["said_yes"] < 1  # it answers no too
    refit = StanceModel.load(out)
    # the same data and recipe give the shipped weights (up to bfloat16 scoring on some CPUs)
    assert np.allclose(refit.weights, shipped().weights, atol=0.1)
    ids = json.loads((DATA / "pubmedqa" / "pqal_dev.json").read_text())
    assert 0.3 < sum(map(trainer.held, ids)) / len(ids) < 0.5  # a stable hash, not a draw
