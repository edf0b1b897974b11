"""``synth digest``: a card of what one paper found, every line resting on a quote and span.

Offline and deterministic, built from the paper's stored full text (references, related work,
background, acknowledgements and appendices are not read) and the offline claim scores of
:mod:`synth.claims.extract` and :mod:`synth.claims.cues`:

- **TLDR**: the most claim-like sentence of the abstract (else of the paper);
- **problem**: up to 2 sentences of the abstract or introduction that state the problem (the
  field's problem too: "LLM services often face challenges in ...", never a claim);
- **contributions**: up to 4 sentences where the authors propose, introduce or release;
- **key findings**: up to 8 result and comparison sentences (not methods, definitions or
  limitations: :func:`synth.claims.cues.claim_type`; in an abstract of plain counts with no
  claim, its sentences that state a number), those with numbers first, each
  with its numbers and units parsed (:func:`synth.parsing.numbers.quantities`);
- **results**: (metric, value, baseline, dataset) rows, from finding sentences that name a
  metric and state a value (the metric named nearest the first value; a value stated after a
  comparison word is the baseline);
- **limitations**: up to 4 stated limitations or failure modes;
- **entities**: models, metrics, datasets and benchmarks named in the text, from the lexicon in
  ``synth/data/entities.json`` plus ``$SYNTH_HOME/entities.json`` (users extend it), each
  with its first mention;
- **reproducibility**: code or data links and licence statements found in the text;
- **metadata**: authors, dates, version, categories, licence, from the library.

With an LLM (``synth digest --llm``), the TLDR, problem, contributions, findings and
limitations are written by the LLM with a quote for every item, checked in code like claims
(:mod:`synth.cards.llm`); the other sections stay rule-based.

A section the text does not support is left empty, not invented. The card's one score,
``completeness``, is the share of those eight sections that hold at least one quoted line;
the card shows the signals it counts.
"""

from __future__ import annotations

import re
from pathlib import Path

from synth.claims.cues import COMPARISON, FIELD_PROBLEM, LIMITATION, METHOD, claim_type
from synth.claims.sentences import (
    MIN_CUES,
    Sentence,
    readable_passages,
    resolve_paper,
    sentences,
    stating_numbers,
)
from synth.config import Settings, load_user_file
from synth.parsing.numbers import quantities
from synth.records.cards import Card, CardLine, Entity, ResultRow
from synth.records.claims import Quantity
from synth.records.incoming import Lexicon
from synth.store.db import Store

LEXICON = Path(__file__).resolve().parents[1] / "data" / "entities.json"
SECTIONS = ("tldr", "problem", "contributions", "findings", "results", "limitations",
            "entities", "reproducibility")
_PROBLEM = re.compile(r"\b(problem|challeng\w*|difficult\w*|bottleneck|remains? (unclear|open|"
                      r"unsolved)|lack of|limited by|costly|expensive|we (address|tackle|study|"
                      r"investigate|ask))\b", re.I)
_CONTRIBUTION = re.compile(r"\b(we (propose|introduce|present|release|develop|design|"
                           r"contribute|build|construct|create)|our contributions?)\b", re.I)
_LINK = re.compile(r"https?://\S+|\b(github\.com|huggingface\.co|zenodo\.org|gitlab\.com)/\S+",
                   re.I)
_LICENCE = re.compile(r"\b(MIT licen[cs]e|Apache(-| )2\.0|CC[ -]BY(-[A-Z]{2})*(?: \d\.\d)?|"
                      r"GPL(v\d)?|BSD licen[cs]e|open[- ]source|publicly (available|released))\b")
_RELEASE = re.compile(r"\b(code|data|dataset|model|models|weights) (is|are) (publicly )?"
                      r"(available|released)\b", re.I)


def load_lexicon(home: Path) -> dict[str, list[str]]:
    lexicon: dict[str, list[str]] = {}
    for path in (LEXICON, home / "entities.json"):
        if not path.is_file():
            continue
        checked = load_user_file(path, Lexicon, "entity lexicon",
                                 '{"model": ["name", ...], "dataset": [...]} with no empty names')
        for kind, names in checked.kinds.items():
            lexicon.setdefault(kind, []).extend(" ".join(n.split()) for n in names)
    return lexicon


def _pattern(name: str) -> re.Pattern[str]:
    flags = 0 if len(name) <= 4 else re.I
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flags)


def line(fulltext: str, s: Sentence) -> CardLine:
    return CardLine(text=s.text, quote=fulltext[s.start:s.end], page=s.passage.page,
                    char_start=s.start, char_end=s.end, numbers=quantities(s.text))


def _front(s: Sentence) -> bool:
    """In the abstract or introduction (or a metadata-only paper's abstract)."""
    section = (s.passage.section or "").lower()
    return s.passage.page in (None, 1) or "abstract" in section or "introduction" in section


def card(store: Store, settings: Settings, paper_id: str, llm: object | None = None) -> Card:
    """The paper's card; with ``llm`` (an :class:`synth.llm.client.LLM`) its written sections come
    from the LLM, checked (:mod:`synth.cards.llm`)."""
    paper = resolve_paper(store, settings, paper_id)
    fulltext, passages = readable_passages(store, paper)
    every = sentences(fulltext, passages, None)
    found = [s for s in every if s.excluded is None]
    kind, _ = store.text_info(paper.id)
    claims = [s for s in found if s.cues >= MIN_CUES]
    plain = not claims  # a short abstract of plain counts ("There were no major complications,
    # while minor complications ranged as high as 0.3%."): its sentences that state a number
    # stand in, as they do for the ask pipeline's claims, and since its results close it, the
    # later of two equal sentences leads
    claims = sorted(claims or stating_numbers(found),
                    key=lambda s: (-s.cues - 0.5 * bool(quantities(s.text)),
                                   -s.start if plain else s.start))
    abstract = [s for s in claims if "abstract" in (s.passage.section or "").lower()
                or s.passage.page is None]
    c = Card(paper_id=paper.id, version=paper.version, title=paper.title, authors=paper.authors,
             published=paper.published, updated=paper.updated, categories=paper.categories,
             licence=paper.licence, read_from="pdf" if kind == "pdf" else "metadata",
             completeness=0.0, completeness_signals={})
    tldr = (abstract or claims)[:1]
    c.tldr = line(fulltext, tldr[0]) if tldr else None
    taken = {s.start for s in tldr}

    def pick(candidates: list[Sentence], limit: int) -> list[Sentence]:
        """The first ``limit`` not already in an earlier section: no sentence in two."""
        chosen = [s for s in candidates if s.start not in taken][:limit]
        taken.update(s.start for s in chosen)
        return chosen

    findings = [s for s in claims if not LIMITATION.search(s.text)
                and (plain or claim_type(s.text) in ("finding", "comparison"))]
    c.findings = sorted((line(fulltext, s) for s in pick(findings, 8)),
                        key=lambda x: x.char_start)
    c.limitations = [line(fulltext, s) for s in pick(
        [s for s in found if LIMITATION.search(s.text) and s.cues >= MIN_CUES], 4)]
    c.contributions = [line(fulltext, s) for s in pick(
        [s for s in found if _CONTRIBUTION.search(s.text) or (METHOD.search(s.text)
                                                             and _front(s))], 4)]
    # the problem the field faces is never a claim, but it is what this section states
    c.problem = [line(fulltext, s) for s in pick(
        [s for s in every if s.excluded in (None, FIELD_PROBLEM) and _front(s)
         and _PROBLEM.search(s.text)], 2)]
    c.reproducibility = [line(fulltext, s) for s in pick(
        [s for s in found if _LINK.search(s.text) or _LICENCE.search(s.text)
         or _RELEASE.search(s.text)], 6)]
    if llm is not None:
        write_with_llm(c, llm, fulltext, passages)
    lexicon = load_lexicon(settings.home)
    c.entities = entities(fulltext, found, lexicon)
    c.results = results(fulltext, findings, lexicon)
    present = {name: bool(getattr(c, name)) for name in SECTIONS}
    c.completeness, c.completeness_signals = round(sum(present.values()) / len(SECTIONS), 3), present
    return c


def write_with_llm(c: Card, llm: object, fulltext: str, passages: list) -> None:
    """Replace the card's written sections with the LLM's checked ones. A section the LLM
    leaves empty (or whose every item failed its checks) keeps its offline lines, and when the
    LLM gives no valid item at all the card stays offline; a note says which (an unreachable
    LLM raises)."""
    from synth.cards.llm import llm_sections
    from synth.errors import LLMError, LLMUnavailable

    try:
        written, c.dropped = llm_sections(llm, fulltext, passages)  # type: ignore[arg-type]
    except LLMUnavailable:
        raise
    except LLMError as err:
        c.notes.append(f"the LLM gave no valid card ({err.message}); the sections are the "
                       "offline ones")
        return
    if not any(written.values()):
        c.notes.append("the LLM gave no item whose quote is in the text; the sections are the "
                       "offline ones")
        return
    tldr_lines = written.pop("tldr")
    offline = ["tldr"] if c.tldr and not tldr_lines else []
    c.tldr = tldr_lines[0] if tldr_lines else c.tldr
    for name, lines in written.items():
        if lines:
            setattr(c, name, lines)
        elif getattr(c, name):
            offline.append(name)
    c.written_by = f"llm:{llm.model}"  # type: ignore[attr-defined]
    if offline:
        c.notes.append(f"the LLM gave no checked item for {', '.join(offline)}; "
                       f"{'that section is' if len(offline) == 1 else 'those sections are'} "
                       "the offline one" + ("" if len(offline) == 1 else "s"))


def entities(fulltext: str, found: list[Sentence], lexicon: dict[str, list[str]]) -> list[Entity]:
    out = []
    for kind in ("model", "metric", "dataset", "benchmark"):
        for name in dict.fromkeys(lexicon.get(kind, [])):
            pattern = _pattern(name)
            hits = [s for s in found if pattern.search(s.text)]
            if hits:
                out.append(Entity(name=name, kind=kind, mentions=len(hits),  # type: ignore[arg-type]
                                  first=line(fulltext, hits[0])))
    return out


def results(fulltext: str, findings: list[Sentence], lexicon: dict[str, list[str]]) -> list[ResultRow]:
    metrics = [(n, _pattern(n)) for n in lexicon.get("metric", [])]
    datasets = [(n, _pattern(n)) for n in lexicon.get("dataset", []) + lexicon.get("benchmark", [])]
    rows = []
    for s in findings:
        values = quantities(s.text)
        if not values:
            continue
        at = s.text.find(values[0].text)  # the metric named nearest the value is its metric
        mentions = [m for _, p in metrics for m in p.finditer(s.text)]
        found = min(mentions, key=lambda m: (abs(m.start() - at), m.start()), default=None)
        if found is None:
            continue
        at_k = re.match(r"@\d+", s.text[found.end():])
        metric = found.group(0) + (at_k.group(0) if at_k else "")
        dataset = next((n for n, p in datasets if p.search(s.text)), None)
        rows.append(ResultRow(metric=metric, value=values[0], baseline=baseline_of(s.text),
                              dataset=dataset, line=line(fulltext, s)))
    return rows[:8]


def baseline_of(text: str) -> Quantity | None:
    """The first number stated after a comparison word ("than", "compared with", "vs"), when
    a number also comes before it: "81.2% F1 against 76.5% for BERT" gives 76.5%."""
    comparison = COMPARISON.search(text)
    if comparison is None or not quantities(text[:comparison.start()]):
        return None
    after = quantities(text[comparison.end():])
    return after[0] if after else None


def write_cards(store: Store, settings: Settings, paper_ids: list[str], out: Path,
                formats: list[str]) -> list[Path]:
    """Write the cards of ``paper_ids`` beside a report (``out/cards/...``), in the report's
    formats, so its references link to them."""
    from synth.report.render import card_file, render_card, write_text

    paths = []
    for pid in paper_ids:
        c = card(store, settings, pid)
        paths += [write_text(out / card_file(pid, fmt), render_card(c, fmt)) for fmt in formats]
    return paths
