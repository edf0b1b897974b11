"""The relevance screen: which retrieved papers bear on the question, and why the others not.

A paper is kept when its best passage's embedding similarity to the question (cosine, from
the search) is at least :data:`MIN_SIMILARITY`, up to ``max_papers`` papers in search order.
Every paper dropped keeps its reason, and the report counts them.
"""

from __future__ import annotations

from synth.records.reports import ScreenedPaper
from synth.search.retrieve import PaperEvidence
from synth.store.db import Store

MIN_SIMILARITY = 0.30


def screen(candidates: list[PaperEvidence], store: Store, max_papers: int) -> list[ScreenedPaper]:
    screened: list[ScreenedPaper] = []
    kept = 0
    for candidate in candidates:
        sims = [h.similarity for h in candidate.passages if h.similarity is not None]
        best = max(sims, default=0.0)
        if best < MIN_SIMILARITY:
            kept_it, reason = False, (f"dropped: best passage similarity {best:.2f} is below "
                                      f"{MIN_SIMILARITY:.2f}, so it does not address the question")
        elif kept >= max_papers:
            kept_it, reason = False, f"dropped: {max_papers} more relevant papers were kept"
        else:
            kept_it, reason = True, f"kept: best passage similarity {best:.2f}"
            kept += 1
        paper = store.get_paper(candidate.paper_id)
        kind, text_sha = store.text_info(candidate.paper_id)
        screened.append(ScreenedPaper(
            paper_id=candidate.paper_id, version=candidate.version, title=candidate.title,
            authors=paper.authors if paper else [], published=paper.published if paper else None,
            similarity=round(best, 4), kept=kept_it, reason=reason,
            fulltext="pdf" if kind == "pdf" else "metadata",
            pdf_sha256=paper.pdf_sha256 if paper else None, text_sha256=text_sha))
    return screened
