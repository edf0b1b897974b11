"""``synth ask``: the whole pipeline, from a question to a stored report, in one straight line.

question → :func:`retrieve_stage` (:mod:`synth.search.retrieve`: live arXiv when asked and
reachable, then the library) → :func:`screen_stage` (:mod:`synth.search.screen`) →
:func:`extract_stage` (:mod:`synth.claims.extract`) → :func:`verify_stage`
(:mod:`synth.verification.verify`, against the kept papers) → :func:`answer_stage`
(:mod:`synth.answer`: each claim's relevance, the answer) → :func:`review_stage`
(:mod:`synth.report.review`, an LLM reviewer too when configured) → :func:`synthesize_stage`
(:mod:`synth.report.synthesize`, written by the LLM and checked when configured) →
:func:`assemble` → :func:`save` (a new version of the report).

Each stage is a function of typed records that returns a :class:`Stage`: its output, the notes
it has for the report and the seconds it took; nothing is shared but the :class:`Tools` made
once per run. :func:`run_pipeline` runs the stages in order, starting where a
:class:`Resume` says (``synth regenerate`` reuses stored work before its stage), so ``ask``,
``batch`` and ``regenerate`` run the same sequence.

Each stage's work is stored as it is done: papers and passages at ingest, extractions per
paper, verdicts per claim (keyed by claim, scorer and the kept papers), LLM answers by request.
A rerun of the same question, or of a run that was killed, redoes only what is missing.

When an LLM is configured it extracts; if it fails mid-run (unreachable, or ``budget``
reached) extraction finishes offline, later stages stay offline, and the report says so. The
report opens with its answer (yes / no / mixed / partly answered / not answered, or the key
findings of an open question), and its scores are capped when the kept papers do not answer
the question (:data:`synth.report.review.CEILING_UNANSWERED`) or answer only part of it
(:data:`synth.report.review.CEILING_PARTLY`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from synth import __version__
from synth.answer.answer import answer_question
from synth.answer.judge import LLMJudge
from synth.answer.judge_fit import stored_fit
from synth.claims.extract import extract
from synth.config import Settings
from synth.errors import BudgetExceeded, InvalidQuestion, LLMError, LLMUnavailable, shown
from synth.library.ingest import Progress, no_progress
from synth.llm.client import LLM
from synth.records.claims import Claim
from synth.records.options import RunOptions
from synth.records.reports import (
    Answer,
    JudgeFit,
    Level,
    Report,
    ReportClaim,
    Review,
    ScreenedPaper,
    Sentence,
)
from synth.records.verdicts import Verdict
from synth.report.review import consensus, facts, llm_review, panel, quality_tier
from synth.report.sections import (
    answerability,
    contradictions,
    limitations,
    manifest,
    methodology,
    report_claims,
    results,
    usage,
    verification_level,
)
from synth.report.synthesize import llm_abstract, offline_abstract
from synth.search.embed import CachedEmbedder, Embedder
from synth.search.hybrid import Searcher
from synth.search.retrieve import PaperEvidence
from synth.search.retrieve import ask as retrieve
from synth.search.screen import screen
from synth.store.db import Store
from synth.verification.backends import LazyScorer, load_scorer
from synth.verification.scorers import PairScorer
from synth.verification.verify import RULES, verify_claim

CLAIMS_PER_PAPER = 8
CALIBRATED = {"synth-xenc"}  # backends whose confidence is calibrated (training/README.md)
CANDIDATES_PER_KEPT = 2  # papers retrieved per paper to keep, for the screen to choose from
T = TypeVar("T")


# Scripts written without spaces between words (Chinese, Japanese, Thai, ...): a question in
# one of them is one "word" to str.split, so it is measured in characters instead.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf"
                       r"\u4e00-\u9fff\uf900-\ufaff]")


def check_question(question: str) -> str:
    """The question with its spaces tidied; refused when empty or a single word (four
    characters or more of an unspaced script count as more than a word)."""
    text = " ".join(question.split())
    if len(text.split()) < 2 and len(_UNSPACED.findall(text)) < 4:
        raise InvalidQuestion(f"{shown(text)} is not a research question",
                              "ask a full question, e.g. \"Does LoRA match full fine-tuning?\"")
    return text


def report_id(question: str, options: RunOptions) -> str:
    key = [question, options.max_papers, options.source]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Tools:
    """What every stage of one run may use, made once: the store, the settings, the embedder
    (caching in the store), the verification scorer (loaded on first use), the LLM (None when
    none is configured), the LLM stance judge's stored fit (read before any stage runs, so a
    broken fits file stops the run before it starts) and the progress callback."""

    store: Store
    settings: Settings
    embedder: CachedEmbedder
    scorer: PairScorer
    llm: LLM | None
    progress: Progress = no_progress
    judge_fit: JudgeFit | None = None

    @classmethod
    def make(cls, store: Store, settings: Settings, embedder: Embedder,
             budget: float | None = None, scorer: PairScorer | None = None,
             progress: Progress = no_progress) -> Tools:
        cached = CachedEmbedder(store, embedder)
        scorer = scorer or LazyScorer(
            lambda: load_scorer(settings.verify_model, cached, settings, store=store),
            settings.verify_model)
        llm = LLM(settings, store=store, budget=budget) if settings.llm_configured else None
        fit = stored_fit(settings.home, settings.llm_model) if settings.llm_for("answer") \
            else None
        return cls(store, settings, cached, scorer, llm, progress, fit)


@dataclass(frozen=True)
class Stage(Generic[T]):
    """A stage's output, the notes it has for the report, and the seconds it took."""

    value: T
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def timed(run: Callable[[], tuple[T, list[str]]]) -> Stage[T]:
    started = time.perf_counter()
    value, notes = run()
    return Stage(value, notes, round(time.perf_counter() - started, 3))


@dataclass(frozen=True)
class Extracted:
    claims: list[Claim]
    llm: LLM | None = None  # the LLM, or None once it stopped (later stages go offline)


@dataclass(frozen=True)
class Reviewed:
    reviews: list[Review]
    score: float
    spread: float
    dimensions: dict[str, Level]
    answerable: bool
    why: list[str]


def retrieve_stage(tools: Tools, question: str, options: RunOptions) -> Stage[list[PaperEvidence]]:
    def run() -> tuple[list[PaperEvidence], list[str]]:
        found = retrieve(tools.store, tools.settings, tools.embedder, question,
                         source=options.source, max_papers=options.max_papers * CANDIDATES_PER_KEPT,
                         progress=tools.progress)
        return found.papers, found.notes
    return timed(run)


def screen_stage(tools: Tools, question: str, candidates: list[PaperEvidence],
                 options: RunOptions) -> Stage[list[ScreenedPaper]]:
    return timed(lambda: (screen(candidates, tools.store, options.max_papers, question), []))


def extract_stage(tools: Tools, question: str, papers: list[ScreenedPaper]) -> Stage[Extracted]:
    """Claims of each kept paper: by the LLM while it answers, offline from the paper on which
    it stopped."""

    def run() -> tuple[Extracted, list[str]]:
        kept = [p for p in papers if p.kept]
        llm, claims, notes = tools.llm, [], []
        for done, paper in enumerate(kept, start=1):
            result = None
            if llm is not None and tools.settings.llm_for("extract"):
                try:
                    result = extract(tools.store, tools.settings, paper.paper_id, question,
                                     max_claims=CLAIMS_PER_PAPER, llm=llm)
                except (LLMUnavailable, BudgetExceeded) as err:
                    notes.append(f"the LLM stopped ({err.message}); extraction finished "
                                 "offline from here on")
                    llm = None
            if result is None:
                result = extract(tools.store, tools.settings, paper.paper_id, question,
                                 extractor="offline", max_claims=CLAIMS_PER_PAPER,
                                 fill_results=True)
            claims += result.claims
            notes += [f"extraction problem: {line}" for line in result.problems]
            tools.progress("extract", done, len(kept))
        return Extracted(claims, llm), notes
    return timed(run)


def verdict_key(settings: Settings, claim: Claim, kept_ids: list[str]) -> str:
    judge = settings.llm_model if settings.verify_model == "llm-judge" else ""
    key = [__version__, RULES, claim.text, claim.paper_id, claim.extractor, settings.verify_model, judge,
           sorted(kept_ids)]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def verify_stage(tools: Tools, claims: list[Claim], papers: list[ScreenedPaper],
                 force: bool = False) -> Stage[list[ReportClaim]]:
    """Each claim verified against the kept papers; a stored verdict is reused unless
    ``force``."""
    def run() -> tuple[list[ReportClaim], list[str]]:
        kept_ids = [p.paper_id for p in papers if p.kept]
        verdicts = []
        with Searcher(tools.store, tools.embedder, tools.settings.lexical,
                      ann_min=tools.settings.ann_min) as searcher:
            for done, claim in enumerate(claims, start=1):
                key = verdict_key(tools.settings, claim, kept_ids)
                cached = None if force else tools.store.cached_verdict(key)
                if cached is not None:
                    verdicts.append(Verdict.model_validate_json(cached))
                else:
                    verdict = verify_claim(claim.text, searcher, tools.scorer, paper_ids=kept_ids,
                                           source_paper_id=claim.paper_id,
                                           quoted=claim.verbatim)
                    tools.store.cache_verdict(key, claim.id, tools.scorer.name,
                                              verdict.model_dump_json())
                    verdicts.append(verdict)
                tools.progress("verify", done, len(claims))
        return report_claims(claims, verdicts, {p.paper_id: p.title for p in papers},
                             tools.scorer.name), []
    return timed(run)


@dataclass(frozen=True)
class Answered:
    answer: Answer
    claims: list[ReportClaim]  # with their relevance, on-point flag and stance


def kept_texts(tools: Tools, papers: list[ScreenedPaper]) -> dict[str, str]:
    return {p.paper_id: tools.store.fulltext(p.paper_id) or "" for p in papers if p.kept}


def answer_stage(tools: Tools, question: str, papers: list[ScreenedPaper],
                 claims: list[ReportClaim], texts: dict[str, str],
                 llm: LLM | None = None) -> Stage[Answered]:
    """Each claim's relevance to the question, and the answer from the on-point ones;
    ``texts``: the kept papers' full texts (:func:`kept_texts`); ``llm``: the LLM that judges
    each paper's stance on a yes/no question (:mod:`synth.answer.judge`), else the stance
    model does."""
    def run() -> tuple[Answered, list[str]]:
        judge = LLMJudge(llm, fit=tools.judge_fit) if llm is not None else None
        answer, scored = answer_question(question, claims, papers, texts, tools.scorer,
                                         tools.embedder, judge=judge)
        notes = [f"the LLM stance judge stopped ({judge.stopped}); the stance model judged "
                 "the remaining papers"] if judge and judge.stopped else []
        return Answered(answer, scored), notes
    return timed(run)


def review_stage(tools: Tools, question: str, papers: list[ScreenedPaper],
                 claims: list[ReportClaim], answer: Answer, texts: dict[str, str],
                 llm: LLM | None) -> Stage[Reviewed]:
    """Whether the kept papers answer the question, and the reviewer panel's scores
    (``texts``: the kept papers' full texts, to re-check every quote)."""
    def run() -> tuple[Reviewed, list[str]]:
        answerable, why = answerability(papers, claims, answer)
        found = facts(papers, claims, texts, answer,
                      tools.settings.verify_model in CALIBRATED)
        reviews, notes = panel(found), []
        if llm is not None:
            try:
                reviews.append(llm_review(llm, question, found, claims))
            except LLMError as err:
                notes.append(f"the LLM reviewer gave no usable review ({err.message}); the "
                             "panel is rule-based only")
        score, spread, dims = consensus(reviews)
        return Reviewed(reviews, score, spread, dims, answerable, why), notes
    return timed(run)


def synthesize_stage(question: str, answer: Answer, claims: list[ReportClaim],
                     llm: LLM | None) -> Stage[list[Sentence]]:
    """The abstract, opening with the answer: written by the LLM and checked, else assembled
    offline."""
    def run() -> tuple[list[Sentence], list[str]]:
        if llm is not None:
            try:
                return llm_abstract(llm, question, answer, claims), []
            except LLMError as err:
                return offline_abstract(answer, claims), [
                    f"the LLM synthesis failed its checks ({err.message}); the abstract was "
                    "assembled offline"]
        return offline_abstract(answer, claims), []
    return timed(run)


@dataclass(frozen=True)
class Resume:
    """Where a run starts: with none of these, from retrieval; with ``papers``, from
    extraction; with ``claims`` too, from verification (``force``: stored verdicts are not
    reused); with ``report_claims`` (and the ``scorer`` that verified them), from review."""

    papers: list[ScreenedPaper] | None = None
    claims: list[Claim] | None = None
    report_claims: list[ReportClaim] | None = None
    scorer: str | None = None
    force: bool = False


def run_pipeline(tools: Tools, question: str, options: RunOptions, resume: Resume = Resume(),
                 batch_item: tuple[str, int] | None = None, store_report: bool = True) -> Report:
    """Run the stages from where ``resume`` says; the report is stored and returned.
    ``batch_item`` (batch id, line) is marked done with the report, in one transaction. With
    ``store_report=False`` the report is returned unstored (``version`` None), for another
    process to :func:`save`; the stages' own work (extractions, verdicts) is stored still."""
    question = check_question(question)
    stages: dict[str, Stage] = {}
    papers = resume.papers
    if papers is None:
        stages["retrieve"] = retrieve_stage(tools, question, options)
        stages["screen"] = screen_stage(tools, question, stages["retrieve"].value, options)
        papers = stages["screen"].value
    llm, claims, scorer = tools.llm, resume.report_claims, resume.scorer
    if claims is None:
        extracted = resume.claims
        if extracted is None:
            stages["extract"] = extract_stage(tools, question, papers)
            extracted, llm = stages["extract"].value.claims, stages["extract"].value.llm
        stages["verify"] = verify_stage(tools, extracted, papers, force=resume.force)
        claims, scorer = stages["verify"].value, tools.scorer.name
    texts = kept_texts(tools, papers)

    def llm_for(stage: str) -> LLM | None:  # the LLM, unless it stopped or is not for stage
        return llm if tools.settings.llm_for(stage) else None

    stages["answer"] = answer_stage(tools, question, papers, claims, texts, llm_for("answer"))
    answer, claims = stages["answer"].value.answer, stages["answer"].value.claims
    stages["review"] = review_stage(tools, question, papers, claims, answer, texts,
                                    llm_for("review"))
    stages["synthesize"] = synthesize_stage(question, answer, claims, llm_for("synthesize"))
    report = assemble(tools, question, options, papers, claims, scorer or tools.scorer.name,
                      stages)
    return save(tools.store, report, batch_item) if store_report else report


def run_ask(store: Store, settings: Settings, embedder: Embedder, question: str,
            options: RunOptions = RunOptions(), *, scorer: PairScorer | None = None,
            progress: Progress = no_progress,
            batch_item: tuple[str, int] | None = None, store_report: bool = True) -> Report:
    """Answer ``question`` from the literature: the whole pipeline; the report is stored
    (with ``store_report=False``, returned for the caller to store: :func:`run_pipeline`)."""
    tools = Tools.make(store, settings, embedder, options.budget, scorer, progress)
    return run_pipeline(tools, question, options, batch_item=batch_item,
                        store_report=store_report)


def assemble(tools: Tools, question: str, options: RunOptions, papers: list[ScreenedPaper],
             claims: list[ReportClaim], scorer: str, stages: dict[str, Stage]) -> Report:
    """The report record from the stages' outputs (not yet stored: it has no version)."""
    settings = tools.settings
    reviewed: Reviewed = stages["review"].value
    answer: Answer = stages["answer"].value.answer
    notes = [n for s in stages.values() for n in s.notes]
    seconds = {name: s.seconds for name, s in stages.items()}
    kept = [p for p in papers if p.kept]
    return Report(
        id=report_id(question, options), title=f"Evidence on: {question}",
        created=datetime.now(UTC).isoformat(timespec="seconds"), question=question,
        options=options.recorded(), answerable=reviewed.answerable,
        answerability=reviewed.why, answer=answer, abstract=stages["synthesize"].value,
        methodology=methodology(settings, options.source, papers, claims, scorer,
                                CLAIMS_PER_PAPER, answer),
        results=results(papers, claims, reviewed.score), claims=claims,
        limitations=limitations(papers, claims, scorer, notes),
        contradictions=contradictions(claims), papers=papers, reviews=reviewed.reviews,
        score=reviewed.score, spread=reviewed.spread, dimensions=reviewed.dimensions,
        quality_tier=quality_tier(reviewed.score), verification_level=verification_level(claims),
        notes=notes, seconds=seconds, usage=usage(tools.llm),
        manifest=manifest(settings, scorer, kept, claims))


def save(store: Store, report: Report, batch_item: tuple[str, int] | None = None) -> Report:
    """Store ``report`` as the next version of its id and return it with that version."""
    version = store.save_report(report.id, report.question, report.created, report.score,
                                report.answerable, len(report.claims),
                                lambda v: report.model_copy(update={
                                    "version": v, "corrections": []}).model_dump_json(),
                                batch_item=batch_item)
    return report.model_copy(update={"version": version})
