"""Claim extraction: a stored paper (and a question, optionally) → claims with exact spans.

:func:`extract` is the library function behind ``synth extract`` and the ask pipeline. It
reads the paper's stored passages (references, related work, acknowledgements and appendices
are skipped) and runs one of two extractors:

- **offline** (the default with no LLM configured): deterministic. Every sentence is scored
  for claim cues (:mod:`synth.cues`: results, comparisons, numbers, stated limitations) and,
  given a question, for the share of the question's content words it contains. Sentences
  with enough cues (and, with a question, some bearing on it) become claims, best first, each
  claim its own verbatim sentence with its exact span.
- **llm** (:mod:`synth.extract_llm`): the passages the offline scores rank highest go to the
  configured LLM, which proposes claims with quotes; each quote is checked in code
  (:mod:`synth.quotes`) and the claim dropped and counted if it does not occur.

Either way a claim's span comes from :func:`synth.quotes.locate`, never from a model, and
the stored ``quote`` is the full text at that span, which the store checks again on write.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Literal

from .arxiv_ids import STOPWORDS, canonical_id, looks_like_arxiv_id
from .chunk import paragraph_blocks, sentence_spans
from .config import Settings
from .cues import SKIP_SECTIONS, claim_cues, claim_type, quantities
from .errors import ConfigError, ParseError, UnknownPaper
from .models import Claim, Extraction, ExtractionStats, Paper, Passage
from .store import Store

ExtractorName = Literal["auto", "offline", "llm"]
MAX_CLAIMS = 20
MIN_CUES = 1.0
RELEVANCE_WEIGHT = 2.0
MIN_RELEVANCE = 0.2
_TERM = re.compile(r"[^\W_][\w\-]*")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the full text (``start``/``end`` in full-text offsets) and its scores."""

    passage: Passage
    start: int
    end: int
    text: str
    cues: float
    excluded: str | None
    relevance: float

    @property
    def rank_key(self) -> float:
        return self.cues + RELEVANCE_WEIGHT * self.relevance


def terms(text: str) -> set[str]:
    """Content words as 5-letter prefixes (a crude stem: ``reduces``, ``reduced`` → ``reduc``)."""
    return {w.lower()[:5] for w in _TERM.findall(text)
            if len(w) > 2 and w.lower() not in STOPWORDS and not w.isdigit()}


def clean(text: str) -> str:
    """A span's text as one line: line-break hyphenation between lowercase letters undone,
    whitespace collapsed."""
    return " ".join(re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text).split())


def sentences(fulltext: str, passages: list[Passage], question: str | None) -> list[Sentence]:
    """Every sentence of the passages (split at paragraph breaks too), scored."""
    wanted = terms(question) if question else set()
    out = []
    spans = ((start, end, passage) for passage in passages
             for block in paragraph_blocks(fulltext, offset=passage.char_start,
                                           end=passage.char_end)
             for start, end in sentence_spans(fulltext, block.start, block.end))
    for start, end, passage in spans:
        text = clean(fulltext[start:end])
        cues = claim_cues(text)
        relevance = len(wanted & terms(text)) / len(wanted) if wanted else 0.0
        out.append(Sentence(passage, start, end, text, cues.score, cues.excluded, relevance))
    return out


def select(candidates: list[Sentence], question: str | None, limit: int) -> list[Sentence]:
    """The claim-bearing sentences, best ``limit`` of them, back in reading order."""
    kept = [s for s in candidates if s.excluded is None and s.cues >= MIN_CUES
            and (not question or s.relevance >= MIN_RELEVANCE)]
    best = sorted(kept, key=lambda s: (-s.rank_key, s.start))[:limit]
    return sorted(best, key=lambda s: s.start)


def readable_passages(store: Store, paper: Paper) -> tuple[str, list[Passage]]:
    """The paper's full text and the passages worth reading for claims."""
    fulltext = store.fulltext(paper.id) or ""
    passages = [p for p in store.paper_passages(paper.id)
                if not (p.section and SKIP_SECTIONS.search(p.section))]
    if not fulltext.strip() or not passages:
        raise ParseError(f"paper {paper.id} has no stored text to extract claims from",
                         "see `synth library` for its parse problems, or re-ingest it")
    return fulltext, passages


def resolve_paper(store: Store, settings: Settings, paper_id: str, fetch: bool = True) -> Paper:
    """A stored paper by id, or the latest stored version of a base id; an arXiv id not yet in
    the library is ingested first (with its PDF) when ``fetch`` is set."""
    paper = store.get_paper(paper_id) or store.latest_version(paper_id)
    if paper is None and looks_like_arxiv_id(paper_id):
        paper_id = canonical_id(paper_id)
        paper = store.get_paper(paper_id) or store.latest_version(paper_id)
        if paper is None and fetch:
            from .ingest import ingest

            report = ingest(store, settings, [paper_id])
            if report.failed:
                raise UnknownPaper(f"could not add {paper_id}: {report.failed[0]}")
            paper = store.get_paper(paper_id) or store.latest_version(paper_id)
    if paper is None:
        raise UnknownPaper(f"{paper_id} is not in the library",
                           "add it with `synth ingest`, or check `synth search` for its id")
    return paper


def extraction_id(paper_id: str, question: str | None, extractor: str, model: str | None,
                  template: str | None) -> str:
    key = json.dumps([paper_id, question or "", extractor, model or "", template or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def claim_id(extraction: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{extraction}|{start}|{end}|{text}".encode()).hexdigest()[:16]


def offline_claims(paper: Paper, fulltext: str, passages: list[Passage], question: str | None,
                   limit: int, eid: str) -> tuple[list[Claim], ExtractionStats]:
    found = sentences(fulltext, passages, question)
    chosen = select(found, question, limit)
    claims = [Claim(id=claim_id(eid, s.start, s.end, s.text), paper_id=paper.id,
                    passage_id=s.passage.id, page=s.passage.page, char_start=s.start,
                    char_end=s.end, quote=fulltext[s.start:s.end], text=s.text,
                    claim_type=claim_type(s.text), numbers=quantities(s.text),
                    extractor="offline") for s in chosen]
    stats = ExtractionStats(passages=len(passages), sentences=len(found), proposed=len(claims),
                            passed_first_try=len(claims))
    return claims, stats


def choose_extractor(name: ExtractorName, settings: Settings) -> Literal["offline", "llm"]:
    if name == "llm" and not settings.llm_configured:
        raise ConfigError("the llm extractor needs an LLM",
                          "set SYNTH_LLM_BASE_URL and SYNTH_LLM_MODEL, or use --extractor offline")
    if name == "auto":
        return "llm" if settings.llm_configured else "offline"
    return name


def extract(store: Store, settings: Settings, paper_id: str, question: str | None = None, *,
            extractor: ExtractorName = "auto", max_claims: int = MAX_CLAIMS,
            max_passages: int | None = None, llm: object | None = None) -> Extraction:
    """Extract claims from one paper and store them (replacing an earlier run of the same
    paper, question, extractor, model and prompt). ``llm`` overrides the configured one."""
    paper = resolve_paper(store, settings, paper_id)
    fulltext, passages = readable_passages(store, paper)
    question = question.strip() if question and question.strip() else None
    kind = "llm" if llm is not None else choose_extractor(extractor, settings)
    if kind == "offline":
        eid = extraction_id(paper.id, question, "offline", None, None)
        claims, stats = offline_claims(paper, fulltext, passages, question, max_claims, eid)
        result = Extraction(id=eid, paper_id=paper.id, question=question, extractor="offline",
                            claims=claims, stats=stats)
    else:
        from .extract_llm import llm_extraction

        result = llm_extraction(store, settings, paper, fulltext, passages, question,
                                max_claims=max_claims, max_passages=max_passages, llm=llm)
    store.save_extraction(result)
    return result
