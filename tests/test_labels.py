"""The labels a report gives a claim: quoted / verified / weak / unsupported, and
the corroboration the verifier decided (the number rule is tested in tests/test_verify.py).
Verdicts are built at synth's own record seam; ``tests/test_pipeline.py`` runs the real verifier into the same labels."""

from __future__ import annotations

import pytest

from synth.parsing.numbers import quantities
from synth.records.claims import Claim
from synth.records.reports import ReportClaim
from synth.records.verdicts import Evidence, Verdict
from synth.report.sections import (
    DEFAULT_VERIFIED,
    report_claims,
    verification_line,
    verified_threshold,
)
from synth.verification.xenc import support_precision


def made_claim(text: str, extractor: str = "llm", paper: str = "a") -> Claim:
    return Claim(id="c1", paper_id=paper, passage_id=f"{paper}#0-1", text=text, quote=text,
                 page=1, char_start=0,
                 char_end=len(text), claim_type="finding", numbers=quantities(text),
                 extractor=extractor, model="m" if extractor == "llm" else None)


def row(paper: str, quote: str, verdict: str) -> Evidence:
    return Evidence(paper_id=paper, version=1, title="t", passage_id=f"{paper}#0-1", page=1,
                    char_start=0, char_end=len(quote), quote=quote, entailment=0.8,
                    neutral=0.1, contradiction=0.1, similarity=0.7, coverage=1.0,
                    verdict=verdict)


def verdict(grounded: str | None, own: float | None, evidence: list[Evidence],
            independent: str = "none") -> Verdict:
    return Verdict(claim="x", label="supported", confidence=0.7, evidence=evidence,
                   scorer="s", grounded=grounded, grounded_confidence=own,
                   independent=independent)


def labelled(claim: Claim, v: Verdict) -> ReportClaim:
    return report_claims([claim], [v], {"a": "Paper A"}, "s")[0]


def test_a_verbatim_claim_is_quoted_not_verified() -> None:
    c = labelled(made_claim("Our method is fast.", extractor="offline"),
                 verdict("supported", None, []))
    assert c.check == "quoted" and not c.verified and c.sourced
    assert c.check_shown == "quoted"


@pytest.mark.parametrize(("grounded", "own", "check", "shown"), [
    ("supported", DEFAULT_VERIFIED + 0.2, "verified", "✓ verified 0.70"),
    ("supported", DEFAULT_VERIFIED - 0.1, "weak", "weak 0.40"),
    ("insufficient", 0.9, "unsupported", "× unsupported"),
    ("contradicted", 0.9, "unsupported", "× unsupported"),
])
def test_a_paraphrase_is_verified_only_above_the_threshold(grounded, own, check, shown) -> None:
    c = labelled(made_claim("Our method is fast."), verdict(grounded, own, []))
    assert c.check == check and c.verified == (check == "verified")
    assert c.sourced == (check == "verified") and c.check_shown == shown


def test_the_report_shows_the_verifiers_corroboration() -> None:
    claim = made_claim("The kernel is 1.10-2.64x faster than the baseline.")
    for independent in ("corroborated", "contested", "none"):
        shown = labelled(claim, verdict("supported", 0.9, [], independent)).independent
        assert shown == independent
    assert labelled(claim, verdict("supported", 0.9, [], None)).independent is None


def test_old_reports_without_a_check_still_show_one() -> None:
    old = ReportClaim(n=1, id="c1", text="t", quote="t", paper_id="a", title="", page=1,
                      char_start=0, char_end=1, claim_type="finding", label="supported",
                      confidence=0.6, verified=True, grounded="supported", extractor="llm")
    assert old.check is None and old.sourced and old.check_shown == "✓"


def test_the_threshold_and_its_precision_come_from_the_shipped_verifier() -> None:
    threshold, figure = verified_threshold("synth-xenc")
    shipped = support_precision()
    line = verification_line("synth-xenc")
    assert f"{threshold:.2f}" in line
    if shipped is None:
        assert threshold == DEFAULT_VERIFIED and "not measured" in line
    else:
        assert figure == shipped and threshold == shipped["threshold"]
        assert f"{shipped['scifact']['precision']:.0%}" in line
    assert verified_threshold("nli-deberta") == (DEFAULT_VERIFIED, None)
    assert "not measured" in verification_line("nli-deberta")
