"""The reviewer panel: independent reviewers score a report draft from its stored facts.

With an LLM configured, an LLM reviewer (:func:`llm_review`, ``synth/templates/review.j2``) joins
the three rule-based ones; it reads the same facts and the claims, and the same ceiling is
applied to its score in code.

Offline, three rule-based reviewers read different facts (:data:`WEIGHS`), and each
rationale names the facts its reviewer weighed:

- ``evidence``: how many on-point claims are quoted or verified, how many papers the answer
  rests on and how many of them firmly (a yes/no paper at P(yes) 0.6 or more, or below 0.4;
  :data:`FIRM`), and how many claims are corroborated (uncorroborated evidence is at most
  MEDIUM; an answer resting firmly on one paper is LOW);
- ``provenance``: whether every quote re-checks at its span (one that does not makes grounding
  LOW), papers are pinned to versions, and were read in full;
- ``skeptic``: single sources (an answer resting on one paper, or firmly on fewer than two:
  evidence and disclosure at most MEDIUM; on none firmly: evidence LOW), contradictions,
  abstract-only reading, thin retrieval.

A report with no on-point claim is LOW on disclosure and at most MEDIUM on reproducibility.
Each rates the four dimensions (evidence strength, citation grounding, uncertainty
disclosure, reproducibility) by the rules in :func:`dimension_points` and gives an overall score
0-10: the weighted mean of its dimension points under its own weights. A dimension's points
are its level's (LOW 2, MEDIUM 5.5, HIGH 9), a MEDIUM one's plus up to half the way to HIGH's
as the fact it measures nears the HIGH threshold (:func:`points`), so two reports at the same
levels that differ in evidence differ in score; a reviewer's cap ("at most MEDIUM") caps the
points. Only on-point claims
(:mod:`synth.answer.relevance`) count. **Ceilings:** a report with no quoted or verified
on-point claim, or one whose sources do not answer the question, scores at most
:data:`CEILING_UNANSWERED` (3.0) from every reviewer; one that answers only part of the
question (some of its named things appear in no kept paper) at most :data:`CEILING_PARTLY`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pydantic import BaseModel, Field

from synth.answer.answer import MIXED_BAND, counted
from synth.llm.client import LLM
from synth.llm.prompts import as_data
from synth.records.reports import DIMENSIONS, Answer, Level, ReportClaim, Review, ScreenedPaper

POINTS = {"LOW": 2.0, "MEDIUM": 5.5, "HIGH": 9.0}
CEILING_UNANSWERED = 3.0
CEILING_PARTLY = 4.5
FIRM = 2 * MIXED_BAND  # |2 P(yes) - 1| of a paper that clearly takes a side
WEIGHS = {  # the facts each reviewer reads, as its rationale lists them
    "evidence": ("on_point", "answer", "corroboration", "weak"),
    "provenance": ("spans", "versions", "reading", "calibration"),
    "skeptic": ("sources", "answer", "corroboration", "reading", "retrieval", "weak"),
}
WEIGHTS = {  # evidence, grounding, disclosure, reproducibility
    "evidence": (0.55, 0.2, 0.1, 0.15),
    "provenance": (0.2, 0.4, 0.1, 0.3),
    "skeptic": (0.4, 0.15, 0.3, 0.15),
}


@dataclass(frozen=True)
class Facts:
    """What the reviewers look at, all computed from the report's stored records."""

    answerable: bool
    partly: bool
    yes_no: bool
    answering: int  # papers the answer rests on: taking a side, or giving a key finding
    firm: int  # of those, the yes/no papers whose strength |2 P(yes) - 1| is at least FIRM
    papers_retrieved: int
    papers_kept: int
    papers_full_text: int
    claims: int
    on_point: int
    sourced: int
    sources: int
    corroborated: int
    contested: int
    spans_recheck: int
    unversioned_papers: int
    calibrated: bool
    weak: int


def facts(papers: list[ScreenedPaper], claims: list[ReportClaim], fulltexts: dict[str, str],
          answer: Answer, calibrated: bool) -> Facts:
    """``fulltexts``: the stored full text of each kept paper, to re-check every quote;
    ``calibrated``: whether the verifier's confidence is calibrated (the default's is).
    Sourced (quoted or verified), corroborated, contested and weak counts are of on-point
    claims."""
    kept = [p for p in papers if p.kept]
    if answer.kind == "yes_no":
        sides = [s for s in answer.stances if s.stance in ("for", "against")]
        answering = len(sides)
        firm = sum(s.strength >= FIRM for s in sides)
    else:
        answering = firm = len({c.paper_id for c in claims if c.n in answer.findings})
    counted = [c for c in claims if c.on_point]
    rechecked = sum(1 for c in claims
                    if fulltexts.get(c.paper_id, "")[c.char_start:c.char_end] == c.quote)
    return Facts(
        answerable=answer.verdict != "not_answered",
        partly=answer.verdict == "partly_answered", yes_no=answer.kind == "yes_no",
        answering=answering, firm=firm, papers_retrieved=len(papers),
        papers_kept=len(kept), papers_full_text=sum(1 for p in kept if p.fulltext == "pdf"),
        claims=len(claims), on_point=len(counted), sourced=sum(c.sourced for c in counted),
        sources=len({c.paper_id for c in counted if c.sourced}),
        corroborated=sum(c.independent == "corroborated" for c in counted),
        contested=sum(c.independent == "contested" for c in counted),
        spans_recheck=rechecked,
        unversioned_papers=sum(1 for p in kept if p.version is None),
        calibrated=calibrated,
        weak=sum(c.check == "weak" for c in counted))


def points(value: float, medium: float, high: float) -> float:
    """A dimension's points for a measured value: LOW's :data:`POINTS` below ``medium``,
    HIGH's at ``high`` and above, and between them MEDIUM's plus up to half the way to HIGH's,
    in proportion to how far the value has gone from one threshold to the other (a failing
    dimension earns nothing for nearly passing)."""
    low, mid, top = POINTS["LOW"], POINTS["MEDIUM"], POINTS["HIGH"]
    if value >= high:
        return top
    if value >= medium:
        return mid + (top - mid) / 2 * (value - medium) / (high - medium)
    return low


def level(pts: float) -> Level:
    return "HIGH" if pts >= POINTS["HIGH"] else "MEDIUM" if pts >= POINTS["MEDIUM"] else "LOW"


def at_most(pts: float, cap: Level) -> float:
    return min(pts, POINTS[cap])


def dimension_points(f: Facts, reviewer: str) -> dict[str, float]:
    """Each reviewer's points per dimension, from the facts it weighs (:data:`WEIGHS`)."""
    sourced_share = f.sourced / f.on_point if f.on_point else 0.0
    corroborated = f.corroborated / f.on_point if f.on_point else 0.0
    # quoted claims and an answer resting firmly on two papers reach MEDIUM; HIGH needs
    # independent corroboration too
    evidence = points(0.5 * sourced_share * min(f.firm, 3) / 3 + corroborated, 0.3, 0.8)
    grounding = points(f.spans_recheck / f.claims if f.claims else 0.0, 0.9, 1.0)
    grounding = grounding if f.sourced else POINTS["LOW"]
    disclosure = POINTS["HIGH"] if f.calibrated and not f.weak else POINTS["MEDIUM"]
    full = f.papers_full_text / f.papers_kept if f.papers_kept else 0.0
    reproducibility = points(1.0 - f.unversioned_papers / max(f.papers_kept, 1), 0.5, 1.0)
    if not f.on_point:  # nothing on the question: nothing disclosed, nothing to reproduce
        disclosure, reproducibility = POINTS["LOW"], at_most(reproducibility, "MEDIUM")
    if reviewer == "skeptic":
        if f.firm < 2 or f.contested or full < 0.5:  # one voice, a dispute, or mostly
            evidence = at_most(evidence, "MEDIUM")  # abstracts (findings without methods)
        if f.on_point and not f.firm:
            evidence = POINTS["LOW"]  # every paper only leans
        if f.answering < 2 and f.on_point:
            disclosure = at_most(disclosure, "MEDIUM")  # one voice, however well quoted
    if reviewer == "provenance":
        if full < 1.0:
            reproducibility = at_most(reproducibility, "MEDIUM")  # abstracts are thin reading
        if f.spans_recheck < f.claims:
            grounding = POINTS["LOW"]  # a quote that does not re-check is a broken citation
    if reviewer == "evidence" and f.on_point and not f.corroborated:
        evidence = at_most(evidence, "MEDIUM")  # nothing independent confirms it
    return dict(zip(DIMENSIONS, (evidence, grounding, disclosure, reproducibility)))


def rationale(f: Facts, reviewer: str) -> str:
    """The facts this reviewer weighs, and the ceiling when one applies."""
    said = {
        "on_point": f"{f.on_point} of {f.claims} claims on point, {f.sourced} of them quoted "
                    "from or verified against their sources",
        "sources": f"{counted(f.sources, 'paper')} behind the on-point claims",
        "answer": (f"the answer rests on {counted(f.answering, 'paper')} ({f.firm} firmly: "
                   f"P(yes) at least {0.5 + FIRM / 2:.1f} or below {0.5 - FIRM / 2:.1f})"
                   if f.yes_no else f"its key findings come from {counted(f.answering, 'paper')}"),
        "corroboration": f"{f.corroborated} corroborated and {f.contested} contested by "
                         "another paper",
        "weak": f"{f.weak} paraphrased claims only weakly supported by their sources",
        "spans": f"{f.spans_recheck} of {f.claims} quotes re-check at their spans",
        "versions": f"{f.papers_kept - f.unversioned_papers} of {f.papers_kept} kept papers "
                    "pinned to a version",
        "reading": f"{f.papers_full_text} of {f.papers_kept} kept papers read in full, "
                   f"{f.papers_kept - f.papers_full_text} from the abstract only",
        "retrieval": f"{f.papers_kept} of {f.papers_retrieved} retrieved papers kept",
        "calibration": "the verifier's confidence is " + ("calibrated" if f.calibrated
                                                          else "not calibrated"),
    }
    parts = [said[k] for k in WEIGHS[reviewer] if k != "weak" or f.weak]
    if not f.answerable or not f.sourced:
        parts.append(f"capped at {CEILING_UNANSWERED}: the sources do not answer the question")
    elif f.partly:
        parts.append(f"capped at {CEILING_PARTLY}: the sources answer only part of the question")
    return f"{reviewer} weighs " + "; ".join(parts) + "."


def ceiling(f: Facts) -> float:
    """The highest score any reviewer may give (see the module docstring)."""
    if not f.answerable or not f.sourced:
        return CEILING_UNANSWERED
    return CEILING_PARTLY if f.partly else 10.0


def rule_review(f: Facts, reviewer: str) -> Review:
    pts = dimension_points(f, reviewer)
    overall = sum(w * pts[d] for w, d in zip(WEIGHTS[reviewer], DIMENSIONS))
    overall = min(overall, ceiling(f))
    return Review(reviewer=reviewer, kind="rules",
                  dimensions={d: level(v) for d, v in pts.items()}, overall=round(overall, 1),
                  rationale=rationale(f, reviewer))


def panel(f: Facts) -> list[Review]:
    return [rule_review(f, name) for name in WEIGHTS]


def consensus(reviews: list[Review]) -> tuple[float, float, dict[str, Level]]:
    """(mean overall, spread, each dimension's median level)."""
    scores = [r.overall for r in reviews]
    dims: dict[str, Level] = {}
    for d in DIMENSIONS:
        levels = sorted((r.dimensions[d] for r in reviews), key=POINTS.get)
        dims[d] = levels[len(levels) // 2]
    return round(sum(scores) / len(scores), 1), round(max(scores) - min(scores), 1), dims


def quality_tier(score: float) -> str:
    if score >= 7.5:
        return "A (strong evidence)"
    if score >= 5.0:
        return "B (moderate evidence)"
    if score > CEILING_UNANSWERED:
        return "C (weak evidence)"
    return "D (the sources do not answer the question)"


class LLMReview(BaseModel):
    evidence_strength: Level
    citation_grounding: Level
    uncertainty_disclosure: Level
    reproducibility: Level
    overall: float = Field(ge=0, le=10, description="0 to 10")
    rationale: str


def llm_review(llm: LLM, question: str, f: Facts, claims: list[ReportClaim]) -> Review:
    answer = llm.call("review.j2", LLMReview, question=as_data(question),
                      facts=", ".join(f"{k}={v}" for k, v in asdict(f).items()),
                      claims=[{"n": c.n, "check": c.check, "independent": c.independent,
                               "confidence": c.confidence, "text": as_data(c.text)}
                              for c in claims[:30]])
    v = answer.value
    overall = min(v.overall, ceiling(f))
    return Review(reviewer=f"llm:{llm.model}", kind="llm",
                  dimensions={d: getattr(v, d) for d in DIMENSIONS}, overall=round(overall, 1),
                  rationale=" ".join(v.rationale.split())[:1000])
