"""The relevance screen: which retrieved papers bear on the question, and why the others not.

Candidates are ranked by relevance: first the papers whose retrieved passages or title name
one of the question's named things (:func:`synth.search.question.entities`, when it names
any), then by their best passage's embedding similarity to the question (cosine, from the
search). A paper is kept when that similarity is at least :data:`MIN_SIMILARITY`, up to
``max_papers`` papers in rank order. Every paper dropped keeps its true reason (below the
floor, or outranked, with the figures), and the report lists the papers in rank order.
"""

from __future__ import annotations

from synth.records.reports import ScreenedPaper
from synth.search.question import entities, mentions
from synth.search.retrieve import PaperEvidence
from synth.store.db import Store

MIN_SIMILARITY = 0.30


def best_similarity(candidate: PaperEvidence) -> float:
    sims = [h.similarity for h in candidate.passages if h.similarity is not None]
    return max(sims, default=0.0)


def names_any(candidate: PaperEvidence, names: list[str]) -> bool:
    text = " ".join([candidate.title, *(h.text for h in candidate.passages)])
    return not names or any(mentions(n, text) for n in names)


def screen(candidates: list[PaperEvidence], store: Store, max_papers: int,
           question: str = "") -> list[ScreenedPaper]:
    names = entities(question) if question else []
    scored = [(c, best_similarity(c), names_any(c, names)) for c in candidates]
    ranked = sorted(scored, key=lambda row: (not row[2], -row[1]))
    passing = [row for row in ranked if row[1] >= MIN_SIMILARITY]
    kept_ids = {c.paper_id for c, _, _ in passing[:max_papers]}
    floor = min((s for c, s, _ in passing[:max_papers]), default=0.0)
    screened: list[ScreenedPaper] = []
    for rank, (candidate, best, named) in enumerate(ranked, start=1):
        where = f"rank {rank} of {len(ranked)}"
        if best < MIN_SIMILARITY:
            kept_it, reason = False, (f"dropped: best passage similarity {best:.2f} is below "
                                      f"{MIN_SIMILARITY:.2f}, so it does not address the question")
        elif candidate.paper_id not in kept_ids:
            kept_it = False
            reason = (f"dropped ({where}): the {max_papers} papers kept rank higher"
                      + ("" if named else f", and it names none of {', '.join(names)}")
                      + f" (best passage similarity {best:.2f}; lowest kept {floor:.2f})")
        else:
            kept_it, reason = True, f"kept ({where}): best passage similarity {best:.2f}" + (
                "" if named else f"; it names none of {', '.join(names)}")
        paper = store.get_paper(candidate.paper_id)
        kind, text_sha = store.text_info(candidate.paper_id)
        screened.append(ScreenedPaper(
            paper_id=candidate.paper_id, version=candidate.version, title=candidate.title,
            authors=paper.authors if paper else [], published=paper.published if paper else None,
            similarity=round(best, 4), kept=kept_it, reason=reason,
            fulltext="pdf" if kind == "pdf" else "metadata",
            pdf_sha256=paper.pdf_sha256 if paper else None, text_sha256=text_sha))
    return screened
