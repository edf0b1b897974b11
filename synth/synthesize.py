"""The synthesis text of a report, written only from verified claims.

Offline (no LLM), it is assembled deterministically: the answerability statement first, then
one sentence per verified claim, most confident first, each citing its claim as ``[Cn]`` and
saying whether another kept paper corroborates or contests it. No sentence states a fact
about the literature without citing the claim it comes from.
"""

from __future__ import annotations

from .report import ReportClaim, Sentence

ABSTRACT_CLAIMS = 5


def short_title(title: str, words: int = 8) -> str:
    parts = title.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def claim_sentence(c: ReportClaim) -> Sentence:
    text = c.text.rstrip()
    if text and text[-1] not in ".!?":
        text += "."
    tail = {"corroborated": " Another kept paper corroborates it.",
            "contested": " Another kept paper contests it."}.get(c.independent or "", "")
    return Sentence(text=f"{short_title(c.title)} ({c.paper_id}) reports: {text}{tail}",
                    cites=[c.n])


def offline_abstract(answerability: list[str], claims: list[ReportClaim]) -> list[Sentence]:
    verified = sorted((c for c in claims if c.verified), key=lambda c: (-c.confidence, c.n))
    return ([Sentence(text=answerability[0])] if answerability else []) + \
        [claim_sentence(c) for c in verified[:ABSTRACT_CLAIMS]]
