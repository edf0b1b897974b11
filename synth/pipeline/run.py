"""``synth ask``: the whole pipeline, from a question to a stored, rendered report.

question → retrieve (:mod:`synth.search.retrieve`: live arXiv when asked and reachable, then the library)
→ relevance screen (:mod:`synth.search.screen`) → full text (read at ingest) → extract
(:mod:`synth.claims.extract`) → verify (:mod:`synth.verification.verify`, against the kept papers) → review
(:mod:`synth.report.review`, LLM reviewer too when configured) → synthesis (:mod:`synth.report.synthesize`,
written by the LLM and checked when configured) → the :class:`~synth.records.reports.Report`,
stored as a new version (rendering is :mod:`synth.report.render`).

Each stage's work is stored as it is done: papers and passages at ingest, extractions per
paper, verdicts per claim (keyed by claim, scorer and the kept papers), LLM answers by request.
A rerun of the same question, or of a run that was killed, redoes only what is missing.

When an LLM is configured it extracts; if it fails mid-run (unreachable, or ``budget``
reached) extraction finishes offline and the report says so. The report states in its first
lines whether the kept papers answer the question at all, and its scores are capped when they
do not (:data:`synth.report.review.CEILING_UNANSWERED`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel

from synth import __version__
from synth.claims.extract import extract
from synth.config import Settings
from synth.errors import BudgetExceeded, InvalidQuestion, LLMError, LLMUnavailable
from synth.library.ingest import Progress, no_progress
from synth.records.claims import Claim, Extraction
from synth.records.reports import (
    Contradiction,
    Manifest,
    Report,
    ReportClaim,
    Review,
    ScreenedPaper,
    Sentence,
    Usage,
)
from synth.records.verdicts import Verdict
from synth.report.review import Facts, consensus, facts, llm_review, panel, quality_tier
from synth.report.synthesize import llm_abstract, offline_abstract
from synth.search.embed import CachedEmbedder, Embedder
from synth.search.hybrid import Searcher
from synth.search.retrieve import AskSource
from synth.search.retrieve import ask as retrieve
from synth.search.screen import screen
from synth.store.db import Store
from synth.verification.backends import load_scorer
from synth.verification.scorers import PairScorer
from synth.verification.verify import verify_claim

log = logging.getLogger(__name__)
CLAIMS_PER_PAPER = 8
CALIBRATED = {"synth-xenc"}  # backends whose confidence is calibrated (README, Verification)
OUTPUT_TOKENS_PER_CALL = 400
CANDIDATES_PER_KEPT = 2  # papers retrieved per paper to keep, for the screen to choose from
REPORT_TEMPLATES = ("report.md.j2", "report.html.j2")


def check_question(question: str) -> str:
    text = " ".join(question.split())
    if len(text.split()) < 2:
        raise InvalidQuestion(f"{text!r} is not a research question",
                              "ask a full question, e.g. \"Does LoRA match full fine-tuning?\"")
    return text


def report_id(question: str, max_papers: int, source: str) -> str:
    return hashlib.sha256(json.dumps([question, max_papers, source]).encode()).hexdigest()[:12]


class LazyScorer:
    """Loads the verification model on the first claim that has no stored verdict, so a warm
    rerun does not load it at all. ``name`` is the backend setting until then."""

    def __init__(self, load: Callable[[], PairScorer], name: str) -> None:
        self._load, self._scorer, self.name = load, None, name

    def loaded(self) -> PairScorer:
        if self._scorer is None:
            self._scorer = self._load()
            self.name = self._scorer.name
        return self._scorer

    def score(self, pairs: list[tuple[str, str]]):
        return self.loaded().score(pairs)

    @property
    def decider(self):
        return getattr(self.loaded(), "decider", None)


class Run:
    """One ``synth ask`` run: the shared models and what each stage produced."""

    def __init__(self, store: Store, settings: Settings, embedder: Embedder, question: str,
                 budget: float | None, progress: Progress) -> None:
        self.store, self.settings, self.question = store, settings, question
        self.embedder = CachedEmbedder(store, embedder)
        self.progress = progress
        self.notes: list[str] = []
        self.seconds: dict[str, float] = {}
        self.llm = None
        if settings.llm_configured:
            from synth.llm.client import LLM

            self.llm = LLM(settings, store=store, budget=budget)
        self.spent = self.llm  # kept after a fallback to offline, for the report's usage

    def timed(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(time.perf_counter() - started, 3)

    def extract_all(self, kept: list[ScreenedPaper]) -> list[Claim]:
        claims: list[Claim] = []
        for done, paper in enumerate(kept, start=1):
            result = self.extract_one(paper.paper_id)
            claims += result.claims
            self.notes += [f"extraction problem: {line}" for line in result.problems]
            self.progress("extract", done, len(kept))
        return claims

    def extract_one(self, paper_id: str) -> Extraction:
        if self.llm is not None:
            try:
                return extract(self.store, self.settings, paper_id, self.question,
                               max_claims=CLAIMS_PER_PAPER, llm=self.llm)
            except (LLMUnavailable, BudgetExceeded) as err:
                self.notes.append(f"the LLM stopped ({err.message}); extraction finished "
                                  "offline from here on")
                self.llm = None
        return extract(self.store, self.settings, paper_id, self.question,
                       extractor="offline", max_claims=CLAIMS_PER_PAPER)

    def llm_reviews(self, found: Facts, claims: list[ReportClaim]) -> list[Review]:
        if self.llm is None:
            return []
        try:
            return [llm_review(self.llm, self.question, found, claims)]
        except LLMError as err:
            self.notes.append(f"the LLM reviewer gave no usable review ({err.message}); the "
                              "panel is rule-based only")
            return []

    def abstract(self, why: list[str], claims: list[ReportClaim]) -> list[Sentence]:
        if self.llm is not None:
            try:
                return llm_abstract(self.llm, self.question, why, claims)
            except LLMError as err:
                self.notes.append(f"the LLM synthesis failed its checks ({err.message}); the "
                                  "abstract was assembled offline")
        return offline_abstract(why, claims)

    def verify_all(self, claims: list[Claim], kept_ids: list[str], scorer: PairScorer,
                   force: bool = False) -> list[Verdict]:
        searcher = Searcher(self.store, self.embedder, self.settings.lexical)
        verdicts = []
        for done, claim in enumerate(claims, start=1):
            key = hashlib.sha256(json.dumps(
                [__version__, claim.text, claim.paper_id, self.settings.verify_model,
                 self.settings.llm_model
                 if self.settings.verify_model == "llm-judge" else "",
                 sorted(kept_ids)]).encode()).hexdigest()
            cached = None if force else self.store.cached_verdict(key)
            if cached is not None:
                verdicts.append(Verdict.model_validate_json(cached))
            else:
                verdict = verify_claim(claim.text, searcher, scorer, paper_ids=kept_ids,
                                       source_paper_id=claim.paper_id)
                self.store.cache_verdict(key, claim.id, scorer.name, verdict.model_dump_json())
                verdicts.append(verdict)
            self.progress("verify", done, len(claims))
        return verdicts


def report_claims(claims: list[Claim], verdicts: list[Verdict],
                  titles: dict[str, str]) -> list[ReportClaim]:
    return [ReportClaim(
        n=n, id=c.id, text=c.text, quote=c.quote, paper_id=c.paper_id,
        title=titles.get(c.paper_id, ""), page=c.page, char_start=c.char_start,
        char_end=c.char_end, claim_type=c.claim_type, numbers=c.numbers, label=v.label,
        confidence=v.confidence, verified=v.grounded == "supported", grounded=v.grounded,
        independent=v.independent, evidence=v.evidence, extractor=c.extractor, model=c.model)
        for n, (c, v) in enumerate(zip(claims, verdicts), start=1)]


def contradictions(claims: list[ReportClaim]) -> list[Contradiction]:
    return [Contradiction(claim=c.n, paper_id=e.paper_id, quote=e.quote, page=e.page,
                          char_start=e.char_start, char_end=e.char_end,
                          contradiction=e.contradiction)
            for c in claims for e in c.evidence
            if e.verdict == "contradicted" and e.paper_id != c.paper_id]


def answerability(papers: list[ScreenedPaper], claims: list[ReportClaim]) -> tuple[bool, list[str]]:
    kept = [p for p in papers if p.kept]
    verified = [c for c in claims if c.verified]
    sources = {c.paper_id for c in verified}
    if not kept:
        return False, [f"The sources do not answer this question: none of the {len(papers)} "
                       "papers retrieved passed the relevance screen."]
    if not verified:
        return False, [f"The sources do not answer this question: the {len(kept)} kept papers "
                       "state no claim on it that verifies against its source "
                       f"({len(claims)} extracted)."]
    lines = [f"{len(verified)} verified claims from {len(sources)} of {len(kept)} kept papers "
             "bear on the question."]
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
    from synth.verification.xenc import measured_accuracy

    figure = measured_accuracy() if scorer == "synth-xenc" else None
    if not figure:
        return (f"Verification ({scorer}) is a pointer to evidence, not proof: no measured "
                "accuracy ships with this scorer.")
    return (f"Verification ({scorer}) is a pointer to evidence, not proof: on "
            f"{figure['claims']} SciFact claims it was never fitted on, its claim-level "
            f"macro-F1 is {figure['macro_f1']:.2f} (contradictions: F1 "
            f"{figure['contradict_f1']:.2f}).")


def run_ask(store: Store, settings: Settings, embedder: Embedder, question: str, *,
            max_papers: int = 5, source: AskSource = "both", budget: float | None = None,
            scorer: PairScorer | None = None, progress: Progress = no_progress,
            batch_item: tuple[str, int] | None = None) -> Report:
    """Answer ``question`` from the literature; the report is stored and returned.
    ``batch_item`` (batch id, line) is marked done with the report, in one transaction."""
    question = check_question(question)
    run = Run(store, settings, embedder, question, budget, progress)
    options = {"max_papers": max_papers, "source": source}
    started = time.perf_counter()
    retrieved = retrieve(store, settings, run.embedder, question, source=source,
                         max_papers=max_papers * CANDIDATES_PER_KEPT, progress=progress)
    run.notes += retrieved.notes
    run.timed("retrieve", started)
    started = time.perf_counter()
    papers = screen(retrieved.papers, store, max_papers)
    run.timed("screen", started)
    return from_extract(run, options, papers, scorer, batch_item=batch_item)


def from_extract(run: Run, options: dict, papers: list[ScreenedPaper],
                 scorer: PairScorer | None = None, *, force: bool = False,
                 batch_item: tuple[str, int] | None = None) -> Report:
    """The pipeline from extraction on, for screened ``papers``."""
    started = time.perf_counter()
    extracted = run.extract_all([p for p in papers if p.kept])
    run.timed("extract", started)
    return from_verify(run, options, papers, extracted, scorer, force=force,
                       batch_item=batch_item)


def from_verify(run: Run, options: dict, papers: list[ScreenedPaper], extracted: list[Claim],
                scorer: PairScorer | None = None, *, force: bool = False,
                batch_item: tuple[str, int] | None = None) -> Report:
    """The pipeline from verification on; ``force`` ignores stored verdicts."""
    started = time.perf_counter()
    settings = run.settings
    scorer = scorer or LazyScorer(lambda: load_scorer(settings.verify_model, run.embedder,
                                                      settings), settings.verify_model)
    verdicts = run.verify_all(extracted, [p.paper_id for p in papers if p.kept], scorer, force)
    claims = report_claims(extracted, verdicts, {p.paper_id: p.title for p in papers})
    run.timed("verify", started)
    return from_review(run, options, papers, claims, scorer.name, batch_item=batch_item)


def from_review(run: Run, options: dict, papers: list[ScreenedPaper],
                claims: list[ReportClaim], scorer_name: str, *,
                batch_item: tuple[str, int] | None = None) -> Report:
    """The pipeline from review on: answerability, reviewers, synthesis, the stored report."""
    store, settings, question = run.store, run.settings, run.question
    started = time.perf_counter()
    answerable, why = answerability(papers, claims)
    kept = [p for p in papers if p.kept]
    texts = {p.paper_id: store.fulltext(p.paper_id) or "" for p in kept}
    found = facts(papers, claims, texts, answerable, settings.verify_model in CALIBRATED)
    reviews = panel(found) + run.llm_reviews(found, claims)
    score, spread, dims = consensus(reviews)
    run.timed("review", started)
    started = time.perf_counter()
    abstract = run.abstract(why, claims)
    run.timed("synthesize", started)
    report = Report(
        id=report_id(question, options["max_papers"], options["source"]),
        title=f"Evidence on: {question}",
        created=datetime.now(UTC).isoformat(timespec="seconds"), question=question,
        options=options, answerable=answerable, answerability=why, abstract=abstract,
        methodology=methodology(settings, options["source"], papers, claims, scorer_name),
        results=results(papers, claims, score), claims=claims,
        limitations=limitations(papers, claims, scorer_name, run.notes),
        contradictions=contradictions(claims), papers=papers, reviews=reviews, score=score,
        spread=spread, dimensions=dims, quality_tier=quality_tier(score),
        verification_level=verification_level(claims), notes=run.notes, seconds=run.seconds,
        usage=usage(run), manifest=manifest(settings, scorer_name, kept, claims))
    return save(store, report, batch_item)


def save(store: Store, report: Report, batch_item: tuple[str, int] | None = None) -> Report:
    """Store ``report`` as the next version of its id and return it with that version."""
    version = store.save_report(report.id, report.question, report.created, report.score,
                                report.answerable, len(report.claims),
                                lambda v: report.model_copy(update={
                                    "version": v, "corrections": []}).model_dump_json(),
                                batch_item=batch_item)
    return report.model_copy(update={"version": version})


def extractors_used(settings: Settings, claims: list[ReportClaim]) -> list[str]:
    """``llm:MODEL`` and/or ``offline``: what extracted the report's claims (an LLM run that
    fell back offline says so); with no claims, what was configured."""
    used = {f"llm:{c.model}" if c.extractor == "llm" else "offline" for c in claims}
    return sorted(used) or [f"llm:{settings.llm_model}" if settings.llm_configured
                            else "offline"]


def methodology(settings: Settings, source: str, papers: list[ScreenedPaper],
                claims: list[ReportClaim], scorer: str) -> list[str]:
    from synth.search.screen import MIN_SIMILARITY

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
        f"Extraction: {extractor}; at most {CLAIMS_PER_PAPER} claims per paper.",
        f"Verification: {scorer}, each claim against the sentences of its own paper (verified "
        "when they support it) and of the other kept papers (corroborated or contested).",
        "Review: three rule-based reviewers score the report from its stored facts.",
    ]


def results(papers: list[ScreenedPaper], claims: list[ReportClaim],
            score: float) -> dict[str, float | int | None]:
    return {"papers_retrieved": len(papers), "papers_kept": sum(p.kept for p in papers),
            "claims_extracted": len(claims), "claims_verified": sum(c.verified for c in claims),
            "claims_corroborated": sum(c.independent == "corroborated" for c in claims),
            "claims_contested": sum(c.independent == "contested" for c in claims),
            "review_score": score}


def verification_level(claims: list[ReportClaim]) -> str:
    if any(c.verified and c.independent == "corroborated" for c in claims):
        return "L2: claims verified against their sources and corroborated by independent papers"
    if any(c.verified for c in claims):
        return "L1: claims verified against their own sources only"
    return "L0: no claim verified"


def usage(run: Run) -> Usage:
    if run.spent is None:
        return Usage()
    u = run.spent.usage
    return Usage(llm_calls=u.calls, cached_calls=u.cached, tokens_in=u.tokens_in,
                 tokens_out=u.tokens_out, cost=u.cost)


def manifest(settings: Settings, scorer: str, kept: list[ScreenedPaper],
             claims: list[ReportClaim]) -> Manifest:
    from synth.llm.prompts import template_hash

    templates = list(REPORT_TEMPLATES)
    if settings.llm_configured:
        templates += ["extract_claims.j2", "synthesize.j2", "review.j2"]
    if settings.verify_model == "llm-judge":
        templates.append("verify_judge.j2")
    return Manifest(synth=__version__, embed_model=settings.embed_model, verifier=scorer,
                    extractor="+".join(extractors_used(settings, claims)),
                    templates={t: template_hash(t) for t in templates},
                    papers=[p.paper_id for p in kept])


class Estimate(BaseModel):
    """What a run would do and cost, from the library alone (no network, no LLM call)."""

    question: str
    papers_kept: int
    papers_retrieved: int
    llm: str | None
    llm_calls: int
    tokens_in: int
    tokens_out: int
    cost: float | None
    notes: list[str]


def estimate(store: Store, settings: Settings, embedder: Embedder, question: str, *,
             max_papers: int = 5) -> Estimate:
    """``synth ask --dry-run``: screen the library's papers for ``question`` and estimate the
    LLM extraction's calls, tokens (4 characters a token, plus the prompt; at most
    :data:`OUTPUT_TOKENS_PER_CALL` out) and cost, without calling anything. Re-asks would add
    to it; answers already cached are not counted."""
    from synth.claims.llm import MAX_PASSAGES, passages_for_llm
    from synth.claims.sentences import readable_passages, resolve_paper
    from synth.llm.prices import cost, load_prices, price_of
    from synth.llm.prompts import render

    question = check_question(question)
    retrieved = retrieve(store, settings, embedder, question, source="library",
                         max_papers=max_papers * CANDIDATES_PER_KEPT)
    papers = screen(retrieved.papers, store, max_papers)
    kept = [p for p in papers if p.kept]
    notes = ["arXiv was not searched: a real run with --source arxiv or both may add papers"]
    if not settings.llm_configured:
        return Estimate(question=question, papers_kept=len(kept), papers_retrieved=len(papers),
                        llm=None, llm_calls=0, tokens_in=0, tokens_out=0, cost=0.0,
                        notes=notes + ["no LLM is configured: the run is offline and free"])
    prompt = len(render("extract_claims.j2", question=question, passage="", max_claims=5)) // 4
    calls = tokens_in = 0
    for p in kept:
        fulltext, passages = readable_passages(store, resolve_paper(store, settings,
                                                                    p.paper_id, fetch=False))
        for passage in passages_for_llm(fulltext, passages, question, MAX_PASSAGES):
            calls += 1
            tokens_in += prompt + len(passage.text) // 4
    tokens_out = calls * OUTPUT_TOKENS_PER_CALL
    price = price_of(settings.llm_model, settings.llm_base_url, load_prices(settings.home))
    return Estimate(question=question, papers_kept=len(kept), papers_retrieved=len(papers),
                    llm=settings.llm_model, llm_calls=calls, tokens_in=tokens_in,
                    tokens_out=tokens_out, cost=cost(tokens_in, tokens_out, price),
                    notes=notes + ([] if price else [f"the price of {settings.llm_model} is "
                                                     "unknown: add it to prices.json"]))
