"""The parts of a report computed from the stages' outputs: answerability, limitations,
contradictions, methodology, results, verification level, usage and manifest. Plain functions
of records; the pipeline (:func:`synth.pipeline.run.assemble`) puts them together.
"""

from __future__ import annotations

from synth import __version__
from synth.answer.answer import addressed, counts
from synth.answer.stance import shipped
from synth.config import Settings
from synth.llm.client import LLM
from synth.llm.prompts import template_hash
from synth.records.claims import Claim
from synth.records.reports import (
    Answer,
    Check,
    Contradiction,
    JudgeFit,
    Manifest,
    ReportClaim,
    ScreenedPaper,
    Usage,
)
from synth.records.verdicts import Verdict
from synth.search.screen import MIN_SIMILARITY
from synth.verification.xenc import measured_accuracy, support_precision

REPORT_TEMPLATES = ("report.md.j2", "report.html.j2")
DEFAULT_VERIFIED = 0.5
"""The confidence a paraphrase's own-paper support needs to be marked verified, for a scorer
whose precision at a threshold was not measured."""


def verified_threshold(scorer: str) -> tuple[float, dict | None]:
    """The confidence above which a paraphrase is "verified" (below: "weak"), with the
    precision measured at it when the scorer's shipped metadata carries one."""
    figure = support_precision() if scorer == "synth-xenc" else None
    return (float(figure["threshold"]), figure) if figure else (DEFAULT_VERIFIED, None)


def claim_check(claim: Claim, verdict: Verdict, threshold: float) -> Check:
    """How the claim rests on its own paper: a verbatim sentence is quoted (not scored against
    itself); a paraphrase is verified, weak (supported below ``threshold``) or unsupported."""
    if claim.verbatim:
        return "quoted"
    if verdict.grounded != "supported":
        return "unsupported"
    confidence = (verdict.grounded_confidence if verdict.grounded_confidence is not None
                  else verdict.confidence)
    return "verified" if confidence >= threshold else "weak"


def report_claims(claims: list[Claim], verdicts: list[Verdict], titles: dict[str, str],
                  scorer: str) -> list[ReportClaim]:
    threshold, _ = verified_threshold(scorer)
    rows = []
    for n, (c, v) in enumerate(zip(claims, verdicts), start=1):
        check = claim_check(c, v, threshold)
        rows.append(ReportClaim(
            n=n, id=c.id, text=c.text, quote=c.quote, paper_id=c.paper_id,
            title=titles.get(c.paper_id, ""), page=c.page, char_start=c.char_start,
            char_end=c.char_end, claim_type=c.claim_type, numbers=c.numbers, label=v.label,
            confidence=v.confidence, verified=check == "verified", check=check,
            grounded=v.grounded, grounded_confidence=v.grounded_confidence,
            independent=v.independent, evidence=v.evidence, extractor=c.extractor,
            model=c.model))
    return rows


def contradictions(claims: list[ReportClaim]) -> list[Contradiction]:
    return [Contradiction(claim=c.n, paper_id=e.paper_id, quote=e.quote, page=e.page,
                          char_start=e.char_start, char_end=e.char_end,
                          contradiction=e.contradiction)
            for c in claims for e in c.evidence
            if e.verdict == "contradicted" and e.paper_id != c.paper_id]


def answerability(papers: list[ScreenedPaper], claims: list[ReportClaim],
                  answer: Answer) -> tuple[bool, list[str]]:
    """Whether the kept papers answer the question, counting only the on-point claims that
    rest on their source (:func:`synth.answer.answer.counts`), and why."""
    kept = [p for p in papers if p.kept]
    on_point = [c for c in claims if counts(c)]
    sources = {c.paper_id for c in on_point}
    if not kept:
        return False, [f"The sources do not answer this question: none of the {len(papers)} "
                       "papers retrieved passed the relevance screen."]
    if answer.verdict == "not_answered":
        return False, [f"The sources do not answer this question: {len(on_point)} of the "
                       f"{len(claims)} claims extracted from the {len(kept)} kept papers bear "
                       "on it" + (", but none is a finding on what it asks" if on_point
                                  else "")
                       + (f", and no kept paper mentions {', '.join(answer.missing)}"
                          if answer.missing else "") + "."]
    lines = [f"{len(on_point)} of {len(claims)} claims, from {len(sources)} of {len(kept)} kept "
             "papers, bear on the question."]
    if answer.missing:
        text = addressed(answer.covered, answer.missing)
        lines.append(f"{text[:1].upper()}{text[1:]}.")
    if len(sources) == 1:
        lines.append("The answer rests on a single paper; nothing independent confirms it.")
    return True, lines


def limitations(papers: list[ScreenedPaper], claims: list[ReportClaim], scorer: str,
                notes: list[str]) -> list[str]:
    kept = [p for p in papers if p.kept]
    lines = []
    abstract_only = [p.paper_id for p in kept if p.fulltext != "pdf"]
    if abstract_only:
        lines.append(f"{len(abstract_only)} of {len(kept)} kept papers were read from title "
                     "and abstract only (no full text).")
    if any(c.independent == "contested" for c in claims):
        lines.append("Some claims are contested by another kept paper (see Contradictions).")
    lines.append(verifier_accuracy(scorer))
    dropped = sum(not p.kept for p in papers)
    if dropped:
        lines.append(f"{dropped} retrieved papers were dropped by the relevance screen or the "
                     "paper limit (see References).")
    return lines + [n for n in notes if "LLM" in n]


def verifier_accuracy(scorer: str) -> str:
    """The limitation line on verification, with the figure the shipped weights carry."""
    figure = measured_accuracy() if scorer == "synth-xenc" else None
    if not figure:
        return (f"Verification ({scorer}) is a pointer to evidence, not proof: no measured "
                "accuracy ships with this scorer.")
    return (f"Verification ({scorer}) is a pointer to evidence, not proof: on "
            f"{figure['claims']} SciFact claims it was never fitted on, its claim-level "
            f"macro-F1 is {figure['macro_f1']:.2f} (contradictions: F1 "
            f"{figure['contradict_f1']:.2f}).")


def extractors_used(settings: Settings, claims: list[ReportClaim]) -> list[str]:
    """``llm:MODEL`` and/or ``offline``: what extracted the report's claims (an LLM run that
    fell back offline says so); with no claims, what was configured."""
    used = {f"llm:{c.model}" if c.extractor == "llm" else "offline" for c in claims}
    return sorted(used) or [f"llm:{settings.llm_model}" if settings.llm_for("extract")
                            else "offline"]


def methodology(settings: Settings, source: str, papers: list[ScreenedPaper],
                claims: list[ReportClaim], scorer: str, claims_per_paper: int,
                answer: Answer | None = None) -> list[str]:
    described = {"offline": "offline rules (claim cues and the question's words), each claim a "
                            "verbatim sentence"}
    extractor = " and ".join(
        described.get(e, f"the LLM {e[4:]} (prompt templates/extract_claims.j2), each quote "
                         "checked in code") for e in extractors_used(settings, claims))
    return [
        "Retrieval: hybrid search (BM25 + MiniLM embeddings) over the library"
        + (", after searching arXiv for the question" if source != "library" else "") + ".",
        f"Relevance screen: a paper is kept when one of its passages has embedding similarity "
        f"of at least {MIN_SIMILARITY:.2f} to the question; {sum(p.kept for p in papers)} of "
        f"{len(papers)} kept.",
        f"Extraction: {extractor}; at most {claims_per_paper} claims per paper.",
        verification_line(scorer),
        *([stance_line(answer)] if answer is not None and answer.kind == "yes_no" else []),
        "Review: three rule-based reviewers score the report from its stored facts.",
    ]


DECIDING = ("when a kept paper is squarely on the question, papers only near it take no side; "
            "only claims that name what the question asks about (its outcome) take a side when "
            "any does; a paper is for the statement at 0.5 or more.")


def stance_line(answer: Answer) -> str:
    """The methodology line on a yes/no answer: how each paper's P(yes) is made, and what the
    stance model's shipped record says it reached on questions it was not fitted on (or, for
    papers the LLM judged, how the LLM's answer became P(yes))."""
    judges = sorted({s.judged_by[4:] for s in answer.stances if s.judged_by != "stance model"})
    if judges:
        line = (f"Answer: each paper's P(yes) comes from the LLM {', '.join(judges)}, which "
                "read the paper's abstract (or, read in full, its quoted claims) and the "
                "question (prompt templates/stance.j2) and answered yes, no or maybe. Its "
                "score is its log-odds of yes against no, less the log-odds it gives the "
                f"question with no results; {judge_fit_sentence(answer.judge_fit)} {DECIDING}")
        if any(s.judged_by == "stance model" for s in answer.stances):
            line += " Papers it did not judge have P(yes) from synth's stance model."
        return line
    record = shipped().record
    held = (record.get("report") or {}).get("held") or {}
    line = ("Answer: each paper's P(yes) comes from synth's stance model over the verifier's "
            "scores of the question's statement given the paper's on-point claims and the "
            f"claims' result language; {DECIDING}")
    if held:
        line += (f" On {held.get('questions')} expert-answered PubMedQA questions it was not "
                 f"fitted on, it agreed with the experts {held.get('accuracy', 0):.0%} of the "
                 f"time (always answering yes: {held.get('always_yes', 0):.0%}).")
    return line


def judge_fit_sentence(fit: JudgeFit | None) -> str:
    """How the LLM judge's score became P(yes): its fit on labelled questions, or none."""
    if fit is None:
        return ("P(yes) is the sigmoid of that score, not fitted to labelled questions "
                "(synth eval judge --fit), so a model that leans yes on whatever it reads "
                "answers yes too often;")
    return (f"P(yes) is the sigmoid of {fit.scale:.2f} times that score "
            f"{'+' if fit.shift >= 0 else '-'} {abs(fit.shift):.2f}, fitted on "
            f"{fit.questions} expert-answered yes/no questions ({fit.file}), where out of fold "
            f"it agreed with the experts {fit.accuracy:.0%} of the time (always answering yes: "
            f"{fit.always_yes:.0%});")


def verification_line(scorer: str) -> str:
    """The methodology line on verification: what is checked against what, the threshold for
    "verified" and, when measured, its precision."""
    threshold, figure = verified_threshold(scorer)
    line = (f"Verification: {scorer}. A quoted claim (the paper's sentence, verbatim) is "
            "checked against the other kept papers only: corroborated when one supports the "
            "same finding (no number disagrees), contested when one contradicts it. A "
            "paraphrase is checked against its own paper: verified when supported with "
            f"confidence at least {threshold:.2f}, weak below it.")
    if figure:
        held_in = figure.get("citation-integrity") or {}
        unseen = figure.get("scifact") or {}
        line += (f" At that threshold, {held_in.get('precision', 0):.0%} of the claims it "
                 f"marked supported were right on {held_in.get('pairs')} Citation-Integrity "
                 f"train pairs, and {unseen.get('precision', 0):.0%} on {unseen.get('pairs')} "
                 "SciFact train pairs.")
    else:
        line += " Its precision at that threshold was not measured."
    return line


def results(papers: list[ScreenedPaper], claims: list[ReportClaim],
            score: float) -> dict[str, float | int | None]:
    return {"papers_retrieved": len(papers), "papers_kept": sum(p.kept for p in papers),
            "claims_extracted": len(claims), "claims_on_point": sum(c.on_point for c in claims),
            "claims_quoted": sum(c.check == "quoted" for c in claims),
            "claims_verified": sum(c.verified for c in claims),
            "claims_weak": sum(c.check == "weak" for c in claims),
            "claims_corroborated": sum(c.independent == "corroborated" for c in claims),
            "claims_contested": sum(c.independent == "contested" for c in claims),
            "review_score": score}


def verification_level(claims: list[ReportClaim]) -> str:
    """The level reached by the claims that bear on the question."""
    counted = [c for c in claims if c.on_point and c.sourced]
    if any(c.independent == "corroborated" for c in counted):
        return ("L2: claims quoted from or verified against their sources and corroborated by "
                "independent papers")
    if counted:
        return "L1: claims quoted from or verified against their own sources only"
    return "L0: no claim on the question quoted or verified"


def usage(llm: LLM | None) -> Usage:
    """What the run's LLM did (counted on after it stopped, if it did)."""
    if llm is None:
        return Usage()
    u = llm.usage
    return Usage(llm_calls=u.calls, cached_calls=u.cached, tokens_in=u.tokens_in,
                 tokens_out=u.tokens_out, cost=u.cost)


LLM_TEMPLATES = {"extract": "extract_claims.j2", "answer": "stance.j2",
                 "review": "review.j2", "synthesize": "synthesize.j2"}


def manifest(settings: Settings, scorer: str, kept: list[ScreenedPaper],
             claims: list[ReportClaim]) -> Manifest:
    templates = list(REPORT_TEMPLATES)
    templates += [template for stage, template in LLM_TEMPLATES.items()
                  if settings.llm_for(stage)]
    if settings.verify_model == "llm-judge":
        templates.append("verify_judge.j2")
    return Manifest(synth=__version__, embed_model=settings.embed_model, verifier=scorer,
                    extractor="+".join(extractors_used(settings, claims)),
                    templates={t: template_hash(t) for t in templates},
                    papers=[p.paper_id for p in kept])
