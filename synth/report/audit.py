"""``synth audit``: walk each claim's lineage and re-check it mechanically.

For every claim of a stored report (or one, ``--claim N``): the paper and its version, the
PDF's recorded sha256 and whether the file still hashes to it, the stored full text and
whether it still hashes to its recorded sha256, the passage the claim came from, the quote and
whether it is still exactly the text at its character span, the extraction (extractor, model,
prompt-template hash, and for an LLM the logged calls: model, prompt hash, response), the
verification evidence with its scores, and the reviewers. Every failed check is a *break*,
named in one line; :func:`audit` returns them and the CLI exits non-zero when there are any.
A PDF file that is no longer where it was read from cannot be re-hashed: that is a warning,
not a break (the claims rest on the stored text, which is checked).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlparse

from pydantic import BaseModel

from synth.errors import InvalidInput
from synth.library.arxiv_ids import pdf_cache_path
from synth.records.papers import Paper, sha256_text
from synth.records.reports import Report, Review
from synth.records.verdicts import Evidence
from synth.report.history import load_report
from synth.store.db import Store


class LoggedCall(BaseModel):
    model: str
    prompt_sha: str
    attempt: int
    response: str | None
    tokens_in: int
    tokens_out: int


class ClaimAudit(BaseModel):
    n: int
    claim_id: str
    paper_id: str
    version: int | None
    pdf_sha256: str | None
    pdf_file: str = "none recorded"
    text_sha256: str | None
    passage_id: str | None
    page: int | None
    char_start: int
    char_end: int
    quote: str
    quote_at_span: bool
    extractor: str | None
    model: str | None
    template_hash: str | None
    llm_calls: list[LoggedCall] = []
    evidence: list[Evidence] = []
    breaks: list[str] = []
    warnings: list[str] = []


class AuditResult(BaseModel):
    report_id: str
    version: int
    claims: list[ClaimAudit]
    reviewers: list[Review]
    breaks: list[str]
    warnings: list[str]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pdf_location(paper: Paper | None, pdf_dir: Path) -> Path | None:
    """Where the PDF a paper was read from lives: its local file, else the PDF cache."""
    if paper is None or not paper.pdf_sha256:
        return None
    if paper.url and paper.url.startswith("file:"):
        return Path(unquote(urlparse(paper.url).path))
    try:
        return pdf_cache_path(pdf_dir, paper.id)
    except Exception:  # noqa: BLE001 - an id that is not arXiv's has no cache file
        return None


def check_paper(store: Store, pdf_dir: Path, paper_id: str, a: ClaimAudit) -> str | None:
    """Fill the paper-level facts of ``a``; return the paper's full text if it is intact."""
    paper = store.get_paper(paper_id)
    if paper is None:
        a.breaks.append(f"C{a.n}: paper {paper_id} is no longer in the library")
        return None
    a.version, a.pdf_sha256 = paper.version, paper.pdf_sha256
    location = pdf_location(paper, pdf_dir)
    if location is not None:
        if not location.is_file():
            a.pdf_file = f"{location} (missing)"
            a.warnings.append(f"C{a.n}: PDF {location} is gone, so its sha256 cannot be re-checked")
        elif file_sha256(location) != paper.pdf_sha256:
            a.pdf_file = f"{location} (CHANGED)"
            a.breaks.append(f"C{a.n}: PDF {location} no longer hashes to the recorded sha256 "
                            f"{paper.pdf_sha256[:12]}")
        else:
            a.pdf_file = f"{location} (sha256 ok)"
    text = store.fulltext(paper_id)
    _, recorded = store.text_info(paper_id)
    a.text_sha256 = recorded
    if text is None or sha256_text(text) != recorded:
        a.breaks.append(f"C{a.n}: the stored full text of {paper_id} no longer hashes to its "
                        "recorded sha256 (tampered or corrupted)")
        return None
    return text


def audit_claim(store: Store, pdf_dir: Path, report: Report, n: int) -> ClaimAudit:
    c = report.claims[n - 1]
    a = ClaimAudit(n=n, claim_id=c.id, paper_id=c.paper_id, version=None, pdf_sha256=None,
                   text_sha256=None, passage_id=None, page=c.page, char_start=c.char_start,
                   char_end=c.char_end, quote=c.quote, quote_at_span=False, extractor=c.extractor,
                   model=c.model, template_hash=None, evidence=c.evidence)
    text = check_paper(store, pdf_dir, c.paper_id, a)
    if text is not None:
        a.quote_at_span = text[c.char_start:c.char_end] == c.quote
        if not a.quote_at_span:
            a.breaks.append(f"C{n}: the quote no longer occurs at chars {c.char_start}-"
                            f"{c.char_end} of {c.paper_id}")
    row = store.claim_row(c.id)
    if row is None:
        a.breaks.append(f"C{n}: claim {c.id} is no longer stored (its extraction was replaced)")
        return a
    a.passage_id, a.template_hash = row["passage_id"], row["template_hash"]
    passage = store.passage(row["passage_id"])
    if passage is None:
        a.breaks.append(f"C{n}: passage {row['passage_id']} is no longer stored")
    elif passage["sha"] != sha256_text(passage["text"]) or (
            text is not None and text[passage["char_start"]:passage["char_end"]] != passage["text"]):
        a.breaks.append(f"C{n}: passage {row['passage_id']} was altered (its text no longer "
                        "matches its sha256 or the full text)")
    if row["llm_call"]:
        a.llm_calls = [LoggedCall(**call) for call in store.llm_calls_for(row["llm_call"])]
        if not a.llm_calls:
            a.breaks.append(f"C{n}: the LLM call it came from ({row['llm_call'][:12]}) is not "
                            "in the call log")
    return a


def audit(store: Store, pdf_dir: Path, report_id: str, claim: int | None = None,
          version: int | None = None) -> AuditResult:
    report = load_report(store, report_id, version)
    if claim is not None and not 1 <= claim <= len(report.claims):
        raise InvalidInput(f"report {report.id} has no claim {claim}",
                           f"claims are numbered 1 to {len(report.claims)}")
    numbers = [claim] if claim is not None else range(1, len(report.claims) + 1)
    claims = [audit_claim(store, pdf_dir, report, n) for n in numbers]
    return AuditResult(report_id=report.id, version=report.version, claims=claims,
                       reviewers=report.reviews,
                       breaks=[b for a in claims for b in a.breaks],
                       warnings=[w for a in claims for w in a.warnings])
