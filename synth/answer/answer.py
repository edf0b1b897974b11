"""The report's answer, from its on-point claims (:func:`answer_question`).

Only on-point claims that rest on their source count: verbatim quotes (the offline
extractor's claims are sentences of the paper) and paraphrases the verifier found supported by
their own paper.

**Yes/no questions.** The question becomes a statement
(:func:`synth.search.statement.statement`) and the verifier scores the on-point claims against
it: those of the papers squarely on the question when any is (:func:`directly_on`: a study of
the question itself answers it; the others are only near it, and the line counts them as taking
no side), of those, the papers about the question's subject (:func:`about_subject`: a paper
whose text holds at least half the words of :func:`synth.search.statement.subject`, "retrieval
augmentation" for "Can retrieval augmentation reduce hallucination?"; a paper on preference
optimization that reduces hallucination is not about it; every paper when none is), and of
those, the claims that speak of the question's outcome (:func:`speaking`: a claim holding a
word of :func:`synth.search.statement.outcome`, "memory" for "Does quantization reduce the
memory of LLMs?"; every on-point claim when none does, or when the question has no outcome, as
"is X safe?"). An on-point claim about something else takes no side, and the answer line counts
the papers left out that way; a definition (:func:`takes_a_side`: "Retrieval-Augmented
Generation (RAG) has proven to be an effective method for mitigating hallucination") introduces
its subject with what the field holds, not what its paper found, so it takes no side either,
and a paper with only such claims on point is named as such; the stance model
(:mod:`synth.answer.stance`) turns a paper's on-point claims, their scores and their result
cues into ``P(yes)``, the probability that the paper says the statement holds. A paper is for
the statement when ``P(yes) >= 0.5``, against it otherwise, and the answer line gives each
paper's ``P(yes)`` so a reader sees how sure it is. A claim's own stance is the same model over
that claim alone, ``neutral`` within :data:`CLAIM_BAND` of 0.5. The verdict counts papers, not
sentences: **mixed** when one paper is clearly for it and another clearly against it
(``P(yes)`` at least :data:`MIXED_BAND` beyond 0.5 on each side); otherwise **yes** or **no**
by the papers' ``P(yes)`` pooled, each weighted by its most relevant on-point claim's relevance
("yes on balance" when some papers lean the other way; "leans yes" or "leans no" when the
pooled ``P(yes)`` is within :data:`MIXED_BAND` of 0.5, no firmer than a lean); **not answered**
when no claim is on point. When some of the question's named things appear in no kept paper,
the verdict is **partly answered** and the line says which part ("the kept papers address LoRA,
not GPT-4"); when none of them does, it is not answered, unless they only place the question
(:func:`synth.search.question.settings_named`: "in the UK") and a kept paper is squarely on the
rest of it: that paper then answers it in part ("no kept paper mentions UK"). A setting or task
the question names that no kept paper mentions a word of (:func:`unmentioned`: "edge devices"
in "... on edge devices?") is said at the end of the line, the verdict unchanged.

**Open questions.** The verdict is ``findings``: the three to five on-point claims that
matter most (:func:`key_findings`), results with numbers first, then other findings and
comparisons, limitations, methods; one that reads on its own before one that refers back to
an earlier sentence ("the second approach ..."); a paper not yet cited before a second claim
of one that is (at most two per paper), and a claim holding an aspect of the question no
chosen claim holds before one that adds none; listed in the order of the question's aspects,
within one aspect those that read on their own first.

The answer line cites every claim it rests on as ``[Cn]`` and names each paper once.
"""

from __future__ import annotations

import numpy as np

from synth.answer.judge import LLMJudge
from synth.answer.relevance import on_point, relevances, squarely_on
from synth.answer.stance import StanceModel, shipped
from synth.claims.cues import refers_back
from synth.records.reports import Answer, PaperStance, ReportClaim, ScreenedPaper
from synth.search.embed import Embedder
from synth.search.question import (
    acronyms,
    entities,
    held_terms,
    is_yes_no,
    mentions,
    ordered_aspects,
    question_acronyms,
    says_a_word_of,
    settings,
    settings_named,
    squash,
    terms,
)
from synth.search.statement import outcome, statement, subject
from synth.verification.scorers import PairScorer

ABSTRACT_CHARS = 4000  # a stored text this short is read whole by an LLM judge
CLAIM_BAND = 0.1
SUBJECT_SHARE = 0.5
MIXED_BAND = 0.1
MAX_FINDINGS = 5
FINDINGS_PER_PAPER = 2
_TYPE_ORDER = {"comparison": 1, "finding": 1, "limitation": 2, "method": 3, "definition": 4}


def answer_question(question: str, claims: list[ReportClaim], papers: list[ScreenedPaper],
                    texts: dict[str, str], scorer: PairScorer, embedder: Embedder,
                    stance: StanceModel | None = None,
                    judge: LLMJudge | None = None) -> tuple[Answer, list[ReportClaim]]:
    """The answer and the claims with their relevance, on-point flag and (yes/no) stance.
    ``texts``: each kept paper's stored full text, to find the question's named things;
    ``stance``: the stance model (default: the shipped one); ``judge``: an LLM that judges
    each paper's P(yes) in its place (:mod:`synth.answer.judge`)."""
    names = entities(question)
    squashed = {pid: squash(text) for pid, text in texts.items()}
    named_by = {e: {pid for pid, text in texts.items() if mentions(e, text, squashed[pid])}
                for e in names}
    covered = [e for e in names if named_by[e]]
    missing = [e for e in names if not named_by[e]]
    asked = question_acronyms(question)
    acronyms_of = {pid: {**asked, **acronyms(text)} for pid, text in texts.items()}
    similarity = {p.paper_id: p.similarity for p in papers}
    scores = relevances(question, [c.text for c in claims], embedder,
                        [acronyms_of.get(c.paper_id, {}) for c in claims],
                        [similarity.get(c.paper_id, 0.0) for c in claims])
    square = {pid for pid, text in texts.items()
              if squarely_on(question, text, acronyms_of[pid], similarity.get(pid, 0.0))}
    naming = set().union(*named_by.values()) if names else set(texts)
    if names and set(settings_named(question, names)) == set(names):
        naming |= square  # only the setting is named ("in the UK"): a study of the rest counts
    claims = [c.model_copy(update={"relevance": r, "on_point": c.paper_id in naming
                                   and on_point(r, c.claim_type, c.paper_id in square)})
              for c, r in zip(claims, scores)]
    kept = sum(p.kept for p in papers)
    if is_yes_no(question):
        answer, claims = yes_no(question, claims, kept, scorer, covered, missing, stance,
                                acronyms_of, square, judge, texts)
    else:
        answer = open_findings(question, claims, kept, covered, missing)
    unplaced = unmentioned(question, names, texts) if texts else []
    if unplaced:  # said, not a verdict: a study's setting often goes without saying
        answer = answer.model_copy(update={
            "unmentioned": unplaced,
            "text": f"{answer.text} No kept paper mentions {' or '.join(unplaced)}."})
    return answer, claims


def unmentioned(question: str, names: list[str], texts: dict[str, str]) -> list[str]:
    """The question's settings and tasks (:func:`synth.search.question.settings`: "edge
    devices" in "... on edge devices?") that no kept paper's text holds a word of
    (:func:`synth.search.question.says_a_word_of`: "cost savings" is mentioned by "costs",
    "edge devices" by "device"). Those holding a named thing are left to ``missing``."""
    return [place for place in settings(question)
            if not any(name in place for name in names)
            and not any(says_a_word_of(place, text) for text in texts.values())]


def firm(p_yes: float) -> bool:
    """Whether a P(yes) clearly takes a side: at least :data:`MIXED_BAND` from 0.5."""
    return abs(p_yes - 0.5) >= MIXED_BAND


def counts(claim: ReportClaim) -> bool:
    """On point, and resting on its source: a verbatim quote, or a verified paraphrase."""
    return claim.on_point and claim.sourced


def cite(claim: ReportClaim) -> str:
    return f"[C{claim.n}]"


def named(claim: ReportClaim) -> str:
    words = claim.title.split()
    title = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
    return f"{title} ({claim.paper_id})" if title else claim.paper_id


def papers_phrase(stances: list[PaperStance], by_n: dict[int, ReportClaim]) -> str:
    return "; ".join(f"{named(by_n[s.claims[0]])} {cite(by_n[s.claims[0]])} "
                     f"(P(yes) {s.p_yes:.2f})" for s in stances)


def counted(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def agree(items: list, one: str, many: str) -> str:
    """The verb form that agrees with how many ``items`` there are ("supports", "support")."""
    return one if len(items) == 1 else many


def others(paper_ids: list[str], noun: str = "other paper") -> str:
    """"1 other paper (2501.17295)", "2 other papers (2409.11353, 2504.10198)": the papers
    that take no side, named so a reader can check why."""
    return f"{counted(len(paper_ids), noun)} ({', '.join(paper_ids)})"


def addressed(covered: list[str], missing: list[str]) -> str:
    """Which part of the question the kept papers address, by its named things."""
    if not covered:
        return f"no kept paper mentions {', '.join(missing)}"
    return f"the kept papers address {', '.join(covered)}, not {', '.join(missing)}"


def unanswered(kept: int, missing: list[str]) -> str:
    text = f"Not answered: no claim of the {counted(kept, 'kept paper')} bears on it"
    return text + (f"; none mentions {' or '.join(missing)}." if missing else ".")


def directly_on(claims: list[ReportClaim], square: set[str]) -> list[ReportClaim]:
    """The claims of the papers squarely on the question (``square``:
    :func:`synth.answer.relevance.squarely_on`), when any of ``claims`` is one's; all of them
    otherwise. A study of the question itself answers it; a paper that is only near it (the
    same disease, another treatment) is context, and its results would outvote the study's."""
    direct = [c for c in claims if c.paper_id in square]
    return direct or claims


def about_subject(question: str, claims: list[ReportClaim], texts: dict[str, str],
                  defined: dict[str, dict[str, set[str]]]) -> list[ReportClaim]:
    """The claims of the papers whose text holds at least :data:`SUBJECT_SHARE` of the content
    words of the question's subject (:func:`synth.search.statement.subject`; an acronym its
    paper defines counts as its words); all of them when the question has no subject or no
    paper does. A paper on another way to the same outcome (preference optimization, for "Can
    retrieval augmentation reduce hallucination?") says nothing of the question's subject."""
    wanted = terms(subject(question))
    if not wanted:
        return claims
    on = {pid for pid in dict.fromkeys(c.paper_id for c in claims)
          if len(wanted & held_terms(texts.get(pid, ""), defined.get(pid, {})))
          >= SUBJECT_SHARE * len(wanted)}
    return [c for c in claims if c.paper_id in on] or claims


def speaking(question: str, claims: list[ReportClaim],
             defined: dict[str, dict[str, set[str]]]) -> list[ReportClaim]:
    """The claims that speak of the question's outcome (:func:`speak_of_outcome`); all of them
    when none does. ``defined``: the acronyms each paper defines."""
    said = speak_of_outcome(question, [c.text for c in claims],
                            [defined.get(c.paper_id, {}) for c in claims])
    return [c for c, speaks in zip(claims, said) if speaks]


def speak_of_outcome(question: str, texts: list[str],
                     defined: list[dict[str, set[str]]]) -> list[bool]:
    """Whether each text holds a word of the question's outcome
    (:func:`synth.search.statement.outcome`; an acronym its paper defines counts as its words):
    all true when the question has no outcome or no text holds one."""
    wanted = {t for word in outcome(question) for t in terms(word)}
    said = [bool(wanted & held_terms(text, acr)) for text, acr in zip(texts, defined)]
    return said if any(said) else [True] * len(texts)


def takes_a_side(claim_type: str) -> bool:
    """Whether a claim of this type may take a side on a yes/no question: not a definition,
    which introduces its subject and states what the field holds ("Retrieval-Augmented
    Generation (RAG) has proven to be an effective method for mitigating hallucination"), not
    what the paper found."""
    return claim_type != "definition"


def yes_no(question: str, claims: list[ReportClaim], kept: int, scorer: PairScorer,
           covered: list[str], missing: list[str], model: StanceModel | None = None,
           defined: dict[str, dict[str, set[str]]] | None = None,
           square: set[str] | None = None,
           judge: LLMJudge | None = None,
           texts: dict[str, str] | None = None) -> tuple[Answer, list[ReportClaim]]:
    model = model or shipped()
    said = statement(question)
    bearing = [c for c in claims if counts(c)]
    deciding = directly_on(bearing, square or set())
    deciding_papers = {c.paper_id for c in deciding}
    aside = list(dict.fromkeys(c.paper_id for c in bearing if c.paper_id not in deciding_papers))
    on_subject = about_subject(question, deciding, texts or {}, defined or {})
    subject_papers = {c.paper_id for c in on_subject}
    elsewhere = list(dict.fromkeys(c.paper_id for c in deciding
                                   if c.paper_id not in subject_papers))
    on_point = speaking(question, on_subject, defined or {})
    speaking_papers = {c.paper_id for c in on_point}
    silent = list(dict.fromkeys(c.paper_id for c in on_subject
                                if c.paper_id not in speaking_papers))
    siding = [c for c in on_point if takes_a_side(c.claim_type)]
    siding_papers = {c.paper_id for c in siding}
    background_only = list(dict.fromkeys(c.paper_id for c in on_point
                                         if c.paper_id not in siding_papers))
    on_point = siding
    probs = scorer.score([(said, c.text) for c in on_point]) if on_point else []
    prob_of = {c.n: p for c, p in zip(on_point, probs)}
    own_p = {c.n: model.p_yes(prob_of[c.n], [c.text]) for c in on_point}

    def side(p_yes: float, band: float) -> str:
        return "for" if p_yes >= 0.5 + band else "against" if p_yes < 0.5 - band \
            else "neutral"

    claims = [c.model_copy(update={"stance": side(own_p[c.n], CLAIM_BAND),
                                   "stance_margin": round(2 * own_p[c.n] - 1, 4)})
              if c.n in own_p else c for c in claims]
    by_n = {c.n: c for c in claims}
    stances, paper_p, weight = [], [], []
    for pid in dict.fromkeys(c.paper_id for c in on_point):
        own = [c for c in on_point if c.paper_id == pid]
        # a paper weighs as much as its most relevant on-point claim
        weight.append(max(c.relevance or 0.0 for c in own))
        judged = judge.p_yes(question, reading(claims, pid, (texts or {}).get(pid, ""))) \
            if judge else None
        p_yes = judged if judged is not None else \
            model.p_yes(np.array([prob_of[c.n] for c in own]), [c.text for c in own])
        stance = side(p_yes, 0.0)
        order = deciding_order(own, own_p, stance)
        paper_p.append(p_yes)
        stances.append(PaperStance(paper_id=pid, title=by_n[order[0]].title, stance=stance,
                                   p_yes=round(p_yes, 4),
                                   strength=round(abs(2 * p_yes - 1), 4), claims=order,
                                   judged_by=judge.name if judge and judged is not None
                                   else "stance model"))
    pro = [s for s in stances if s.stance == "for"]
    con = [s for s in stances if s.stance == "against"]
    base = dict(kind="yes_no", statement=said, covered=covered, missing=missing,
                stances=stances, papers_for=[s.paper_id for s in pro],
                papers_against=[s.paper_id for s in con],
                cites=[s.claims[0] for s in pro + con],
                judge_fit=judge.fit if judge and any(s.judged_by != "stance model"
                                                     for s in stances) else None)
    if not on_point:  # also when no kept paper names any of the question's named things
        text = unanswered(kept, missing)
        if background_only and not missing:  # claims on point, but only background decides
            text = ("Not answered: no kept paper reports a finding on it; " + "; ".join(
                no_side(question, elsewhere, silent, background_only, aside, "paper")) + ".")
        return Answer(**base, verdict="not_answered", text=text), claims
    pooled = (sum(w * p for w, p in zip(weight, paper_p)) / sum(weight) if sum(weight)
              else sum(paper_p) / len(paper_p))
    base["p_yes"] = round(pooled, 4)
    verdict = ("mixed" if max(paper_p) >= 0.5 + MIXED_BAND and min(paper_p) < 0.5 - MIXED_BAND
               else "yes" if pooled >= 0.5 else "no")
    parts = []
    if pro:
        parts.append(f"{counted(len(pro), 'paper')} {agree(pro, 'supports', 'support')} it: "
                     f"{papers_phrase(pro, by_n)}")
    if con:
        parts.append(f"{counted(len(con), 'paper')} {agree(con, 'contradicts', 'contradict')} "
                     f"it: {papers_phrase(con, by_n)}")
    if not con:
        parts.append("none contradicts it")
    if not pro:
        parts.append("none supports it")
    head = {"yes": "Yes", "no": "No", "mixed": "Mixed"}[verdict]
    if verdict != "mixed" and not firm(pooled):  # no firmer than a lean
        head = f"Leans {verdict}"
    if pro and con and verdict != "mixed":  # papers lean both ways, none of them far
        head += f" on balance (P(yes) {pooled:.2f} over {counted(len(stances), 'paper')})"
    parts += no_side(question, elsewhere, silent, background_only, aside)
    text = f"{head}: " + "; ".join(parts) + "."
    if missing:
        text = (f"Partly answered: {addressed(covered, missing)}. On what they address: "
                f"{head.lower()}: " + "; ".join(parts) + ".")
        verdict = "partly_answered"
    return Answer(**base, verdict=verdict, text=text), claims


def no_side(question: str, elsewhere: list[str], silent: list[str], background: list[str],
            aside: list[str], noun: str = "other paper") -> list[str]:
    """Why the papers with claims on point that take no side take none, each group named
    (``noun``: "paper" when no paper takes a side)."""
    parts = []
    if elsewhere:
        parts.append(f"{others(elsewhere, noun)} with claims on point "
                     f"{agree(elsewhere, 'is', 'are')} not about {subject(question)}")
    if silent:
        parts.append(f"{others(silent, noun)} with claims on point "
                     f"{agree(silent, 'says', 'say')} nothing of {' or '.join(outcome(question))}")
    if background:
        parts.append(f"{others(background, noun)} with only background on point "
                     f"{agree(background, 'takes', 'take')} no side")
    if aside:
        parts.append(f"{others(aside, noun)} less directly on the question "
                     f"{agree(aside, 'takes', 'take')} no side")
    return parts


def deciding_order(own: list[ReportClaim], own_p: dict[int, float], stance: str) -> list[int]:
    """A paper's on-point claims, the one cited for its stance first: of the claims that alone
    take the paper's side (beyond :data:`CLAIM_BAND`), a result with numbers before other
    results and before limitations or methods (:func:`finding_rank`), then the one that leans
    furthest; then the others, furthest first."""
    def lean(c: ReportClaim) -> float:
        return own_p[c.n] - 0.5 if stance == "for" else 0.5 - own_p[c.n]

    return [c.n for c in sorted(own, key=lambda c: (
        lean(c) <= CLAIM_BAND, finding_rank(c)[0] if lean(c) > CLAIM_BAND else 0, -lean(c)))]


def reading(claims: list[ReportClaim], paper_id: str, text: str) -> list[str]:
    """What an LLM judge reads of a paper: its stored text when that is as short as an
    abstract (:data:`ABSTRACT_CHARS`: the whole of what the paper says), else its claims that
    rest on it, in the paper's order."""
    if 0 < len(text.strip()) <= ABSTRACT_CHARS:
        return [" ".join(text.split())]
    own = sorted((c for c in claims if c.paper_id == paper_id and c.sourced),
                 key=lambda c: c.char_start)
    return [c.text for c in own]


def finding_rank(claim: ReportClaim) -> tuple[int, float]:
    kind = _TYPE_ORDER.get(claim.claim_type, 4)
    if claim.numbers and kind == 1:
        kind = 0
    return kind, -(claim.relevance or 0.0)


def open_findings(question: str, claims: list[ReportClaim], kept: int, covered: list[str],
                  missing: list[str]) -> Answer:
    on_point = [c for c in claims if counts(c)]
    base = dict(kind="open", covered=covered, missing=missing)
    if not on_point:  # also when no kept paper names any of the question's named things
        return Answer(**base, verdict="not_answered", text=unanswered(kept, missing))
    order = ordered_aspects(question)
    chosen = key_findings(on_point, set(order))
    chosen.sort(key=lambda c: (aspect_index(order, c.text), refers_back(c.text),
                               finding_rank(c)))
    papers = len({c.paper_id for c in on_point})
    text = (f"{papers} of {kept} kept papers {'addresses' if papers == 1 else 'address'} it; "
            "key findings: "
            + " ".join(f"({i}) {c.text.rstrip('. ')} {cite(c)}."
                       for i, c in enumerate(chosen, start=1)))
    verdict = "findings"
    if missing:
        text = f"Partly answered: {addressed(covered, missing)}. " + text
        verdict = "partly_answered"
    return Answer(**base, verdict=verdict, text=text, findings=[c.n for c in chosen],
                  cites=[c.n for c in chosen])


def key_findings(claims: list[ReportClaim], wanted: set[str]) -> list[ReportClaim]:
    """Up to :data:`MAX_FINDINGS` claims, chosen one at a time: results with numbers first,
    then other results (:func:`finding_rank`); among equals, one that reads on its own before
    one whose subject an earlier sentence named (:func:`synth.claims.cues.refers_back`: "the
    second approach has ..."), then one from a paper not yet cited before a paper's second
    (at most :data:`FINDINGS_PER_PAPER`), then one that holds more of the question's aspects
    (``wanted``) that no chosen claim holds yet ("full fine-tuning" in "How does LoRA compare
    with full fine-tuning?" when every claim so far is about LoRA alone), then the more
    relevant."""
    rank = {c.n: finding_rank(c) for c in claims}
    bound = {c.n: refers_back(c.text) for c in claims}
    chosen: list[ReportClaim] = []
    per_paper: dict[str, int] = {}
    held: set[str] = set()
    left = list(claims)
    while left and len(chosen) < MAX_FINDINGS:
        open_ = [c for c in left if per_paper.get(c.paper_id, 0) < FINDINGS_PER_PAPER]
        if not open_:
            break
        best = min(open_, key=lambda c: (rank[c.n][0], bound[c.n], per_paper.get(c.paper_id, 0),
                                         -len((terms(c.text) & wanted) - held), rank[c.n][1]))
        chosen.append(best)
        left.remove(best)
        per_paper[best.paper_id] = per_paper.get(best.paper_id, 0) + 1
        held |= terms(best.text) & wanted
    return chosen


def aspect_index(order: list[str], text: str) -> int:
    held = terms(text)
    return next((i for i, t in enumerate(order) if t in held), len(order))

