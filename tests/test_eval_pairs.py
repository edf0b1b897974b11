"""``synth eval pairs`` on real labelled pairs (SNLI dev, read in place), with the shipped
verifier; and labels: both vocabularies read, an unknown one refused, never read as another."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.errors import InvalidInput
from synth.verification.evaluate import gold_label, load_claims
from synth.verification.pairs import read_pairs
from synth.verification.scorers import LABELS
from synth.verification.xenc import XencScorer

from .conftest import DATA

SNLI = DATA / "nli" / "snli"


def snli_pairs(path: Path, n: int = 90) -> Path:
    premises = (SNLI / "s1.dev").read_text().splitlines()
    hypotheses = (SNLI / "s2.dev").read_text().splitlines()
    labels = (SNLI / "labels.dev").read_text().splitlines()
    path.write_text("".join(json.dumps({"claim": h, "evidence": p, "label": label}) + "\n"
                            for p, h, label in list(zip(premises, hypotheses, labels))[:n]))
    return path


def test_eval_pairs_measures_the_verifier_on_snli(tmp_path) -> None:
    path = snli_pairs(tmp_path / "snli.jsonl")
    result = CliRunner().invoke(cli, ["eval", "pairs", str(path), "--json"],
                                env={"SYNTH_HOME": str(tmp_path / "home")})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    pairs, gold = read_pairs(path)
    probs = XencScorer().score(pairs)
    pred = [LABELS[i] for i in probs.argmax(axis=1)]
    assert report["pairs"] == 90 and report["scorer"] == "synth-xenc"
    assert report["accuracy"] == round(np.mean([g == p for g, p in zip(gold, pred)]), 4)
    assert sum(sum(row.values()) for row in report["confusion"].values()) == 90
    assert report["confusion"]["entailment"]["entailment"] == sum(
        g == p == "entailment" for g, p in zip(gold, pred))
    assert report["macro_f1"] == pytest.approx(np.mean(list(report["f1_by_class"].values())),
                                               abs=1e-4)
    text = CliRunner().invoke(cli, ["eval", "pairs", str(path)],
                              env={"SYNTH_HOME": str(tmp_path / "home")})
    assert text.exit_code == 0 and "macro-F1" in text.output and "confusion" in text.output


def test_pair_labels_in_either_vocabulary(tmp_path) -> None:
    path = tmp_path / "pairs.jsonl"
    rows = [("SUPPORTS", "entailment"), ("Not Enough Info", "neutral"), ("REFUTE", "contradiction"),
            ("NEI", "neutral"), ("contradiction", "contradiction"), ("Support", "entailment")]
    path.write_text("".join(json.dumps({"claim": "c", "evidence": "e", "label": raw}) + "\n"
                            for raw, _ in rows))
    assert read_pairs(path)[1] == [want for _, want in rows]


@pytest.mark.parametrize("row,message", [
    ({"claim": "c", "evidence": "e", "label": "maybe"}, "unknown label 'maybe'"),
    ({"claim": "c", "evidence": "e", "label": "not_entailment"}, "unknown label"),
    ({"claim": "c", "label": "SUPPORT"}, "claim and evidence"),
    ({"claim": "c", "evidence": "e"}, "unknown label"),
])
def test_a_bad_pair_line_refuses_the_file_naming_the_line(tmp_path, row, message) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"claim": "a", "evidence": "b", "label": "neutral"}) + "\n"
                    + json.dumps(row) + "\n")
    result = CliRunner().invoke(cli, ["eval", "pairs", str(path)],
                                env={"SYNTH_HOME": str(tmp_path / "home")})
    assert result.exit_code == 9 and f"{path}:2:" in result.output and message in result.output


def test_scifact_claims_may_write_refute_and_an_unknown_label_is_an_error(tmp_path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text(json.dumps({"id": 1, "claim": "x", "evidence": {
        "7": [{"sentences": [0], "label": "REFUTE"}]}}) + "\n")
    (loaded,) = load_claims(claims)
    assert gold_label(loaded) == "CONTRADICT"
    claims.write_text(json.dumps({"id": 1, "claim": "x", "evidence": {
        "7": [{"sentences": [0], "label": "MAYBE"}]}}) + "\n")
    with pytest.raises(InvalidInput, match="unknown evidence label 'MAYBE'"):
        load_claims(claims)
    dev = load_claims(DATA / "nli" / "citation-integrity" / "claims_dev.jsonl")
    assert {gold_label(c) for c in dev} == {"SUPPORT", "CONTRADICT", "NEI"}
