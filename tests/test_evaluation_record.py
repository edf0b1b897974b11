"""The verifier's accuracy figure lives in the shipped weights' metadata: training/evaluation.py
records it, reports quote it from there, and weights without one say so."""

from __future__ import annotations

import shutil

from synth.report.sections import verifier_accuracy
from synth.verification.xenc import XENC_PATH, measured_accuracy, read_adapters
from training.evaluation import record


def test_the_shipped_weights_carry_the_figure_reports_quote():
    figure = measured_accuracy()
    assert figure and figure["claims"] == 809 and 0 < figure["macro_f1"] < 1
    line = verifier_accuracy("synth-xenc")
    assert f"{figure['macro_f1']:.2f}" in line and "809 SciFact claims" in line
    assert "no measured accuracy" in verifier_accuracy("cross-encoder:some/model")


def test_recording_a_figure_keeps_the_weights_and_replaces_the_figure(tmp_path):
    copy = tmp_path / "weights.safetensors"
    shutil.copy(XENC_PATH, copy)
    before, meta_before = read_adapters(copy)
    record(copy, {"claims": 10, "macro_f1": 0.9, "contradict_f1": 0.8, "ece": 0.01})
    after, meta_after = read_adapters(copy)
    assert measured_accuracy(copy)["macro_f1"] == 0.9
    assert meta_after["decider"] == meta_before["decider"]
    assert before.keys() == after.keys() and all((before[k] == after[k]).all() for k in before)


def test_weights_without_a_figure_have_none(tmp_path):
    assert measured_accuracy(tmp_path / "missing.safetensors") is None
