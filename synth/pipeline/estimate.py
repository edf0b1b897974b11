"""``synth ask --dry-run``: what a run would do and cost, from the library alone.

The same retrieval (library only) and screen as a run, then the LLM extraction's calls and
tokens counted from the passages it would send, and for a yes/no question the stance judge's
(one call per kept paper and one for the question alone); nothing is called and nothing is
written. Stages the LLM is not used for (``SYNTH_LLM_STAGES``) are not counted.
"""

from __future__ import annotations

from pydantic import BaseModel

from synth.answer.answer import ABSTRACT_CHARS
from synth.config import Settings
from synth.pipeline.run import CANDIDATES_PER_KEPT, CLAIMS_PER_PAPER, check_question
from synth.search.embed import Embedder
from synth.search.question import is_yes_no
from synth.search.retrieve import ask as retrieve
from synth.search.screen import screen
from synth.store.db import Store

OUTPUT_TOKENS_PER_CALL = 400
CLAIM_TOKENS = 50  # a quoted sentence, for the stance judge's prompt


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
    papers = screen(retrieved.papers, store, max_papers, question)
    kept = [p for p in papers if p.kept]
    notes = ["arXiv was not searched: a real run with --source arxiv or both may add papers"]
    if not settings.llm_configured:
        return Estimate(question=question, papers_kept=len(kept), papers_retrieved=len(papers),
                        llm=None, llm_calls=0, tokens_in=0, tokens_out=0, cost=0.0,
                        notes=notes + ["no LLM is configured: the run is offline and free"])
    calls = tokens_in = tokens_out = 0
    if settings.llm_for("extract"):
        prompt = len(render("extract_claims.j2", question=question, passage="",
                            max_claims=5)) // 4
        for p in kept:
            fulltext, passages = readable_passages(store, resolve_paper(store, settings,
                                                                        p.paper_id, fetch=False))
            for passage in passages_for_llm(fulltext, passages, question, MAX_PASSAGES):
                calls += 1
                tokens_in += prompt + len(passage.text) // 4
        tokens_out = calls * OUTPUT_TOKENS_PER_CALL
    if settings.llm_for("answer") and is_yes_no(question) and kept:
        # the stance judge: each kept paper at most (its abstract, or the claims of a paper
        # read in full), and the question with no results
        prompt = len(render("stance.j2", question=question, results=[])) // 4
        for p in kept:
            text = store.fulltext(p.paper_id) or ""
            tokens_in += prompt + (len(text) // 4 if len(text) <= ABSTRACT_CHARS
                                   else CLAIMS_PER_PAPER * CLAIM_TOKENS)
        calls += len(kept) + 1
        tokens_in += prompt
        tokens_out += (len(kept) + 1) * 3
    price = price_of(settings.llm_model, settings.llm_base_url, load_prices(settings.home))
    return Estimate(question=question, papers_kept=len(kept), papers_retrieved=len(papers),
                    llm=settings.llm_model, llm_calls=calls, tokens_in=tokens_in,
                    tokens_out=tokens_out, cost=cost(tokens_in, tokens_out, price),
                    notes=notes + ([] if price else [f"the price of {settings.llm_model} is "
                                                     "unknown: add it to prices.json"]))
