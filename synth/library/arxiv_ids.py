"""arXiv identifiers and queries: validate and split ids, name cached PDF files safely, and
turn a free-text research question into an arXiv ``search_query``. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from pathlib import Path

from synth import errors

ID_HINT = "an arXiv id looks like 2106.09685, 2106.09685v2, arXiv:2106.09685 or hep-th/9901001v1"
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(rf"(?P<base>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>[1-9]\d{{0,3}}))?", re.ASCII)
# An id with an optional version, for finding ids inside other text (file names, PDF stamps).
ID_PATTERN = rf"(?:{_NEW_ID}|{_OLD_ID})(?:v[1-9]\d{{0,3}})?"
NEW_ID_PATTERN = rf"{_NEW_ID}(?:v[1-9]\d{{0,3}})?"
_URL_RE = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>[\w./-]+?)(?:\.pdf)?/?",
                     re.ASCII)


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Split an arXiv id, ``arXiv:`` id or arxiv.org abs/pdf URL into ``(base id, version)``.

    Anything else (including surrounding spaces, path-like text and non-ASCII digits) raises
    :class:`~synth.errors.BadPaperId`.
    """
    candidate = text if isinstance(text, str) else ""
    url = _URL_RE.fullmatch(candidate)
    if url:
        candidate = url.group("id")
    elif candidate[:6].lower() == "arxiv:":
        candidate = candidate[6:]
    match = _ID_RE.fullmatch(candidate)
    if not match:
        raise errors.BadPaperId(f"{errors.shown(text)} is not an arXiv id", hint=ID_HINT)
    version = match.group("version")
    return match.group("base"), int(version) if version else None


def looks_like_arxiv_id(text: str) -> bool:
    try:
        parse_arxiv_id(text)
    except errors.BadPaperId:
        return False
    return True


def versioned_id(base: str, version: int | None) -> str:
    """``2106.09685`` and 2 -> ``2106.09685v2``; without a version, the base id."""
    return f"{base}v{version}" if version else base


def canonical_id(text: str) -> str:
    """An id in any accepted form (``arXiv:``, URL) as arXiv writes it: ``2106.09685v2``."""
    return versioned_id(*parse_arxiv_id(text))


def pdf_cache_path(pdf_dir: Path, paper_id: str) -> Path:
    """Where the PDF of ``paper_id`` is cached: ``astro-ph/0601001v1`` -> ``astro-ph_0601001v1.pdf``.

    Ids without a version map to a name without one (that file holds whichever version was
    latest when it was fetched). The result is always directly inside ``pdf_dir``.
    """
    name = canonical_id(paper_id).replace("/", "_") + ".pdf"
    folder = Path(pdf_dir).resolve()
    path = (folder / name).resolve()
    if path.parent != folder:
        raise errors.BadPaperId(f"{errors.shown(paper_id)} does not name a file inside {folder}",
                                hint=ID_HINT)
    return path


MAX_TERMS = 4
_FIELD_QUERY = re.compile(r"(?<![\w])(?:ti|au|abs|co|jr|cat|rn|id|all):", re.IGNORECASE)
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"[^\W_][\w.+\-]*")
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each few for from further had has have
having he her here hers how i if in into is it its itself just me more most my no nor not now of off on once
only or other our out over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while who whom why will with
would you your yours compare compared comparing comparison versus vs difference differences better best good
worse effect effects impact role use used using uses work works way ways know known much many well paper
papers study studies research recent recently current currently state art approach approaches exist existing
kind kinds type types really actually possible help helps make makes get
""".split())


def question_to_query(question: str) -> str:
    """Turn a research question into an arXiv ``search_query``: the AND of at most
    :data:`MAX_TERMS` terms, each searched with ``all:`` (title, abstract and the rest), so
    every kept term must occur somewhere in a hit; fewer, specific terms recall better than many.

    Quoted phrases are always kept. Other words lose :data:`STOPWORDS` (question words and
    filler such as "compare", "effect"), one-letter words and bare numbers; the most specific
    remain: words with digits or inner capitals (``LoRA``, ``GPT-4``), then hyphenated words,
    then words of 8+ letters, then longer before shorter. Terms keep question order; any term
    but a plain word is quoted. ``How does LoRA compare to full fine-tuning for small language
    models?`` -> ``all:LoRA AND all:"fine-tuning" AND all:language AND all:models``.
    A question already in arXiv field syntax (``au:del_maestro AND ti:checkerboard``) passes
    through unchanged; one with no terms left raises :class:`~synth.errors.SourceError`.
    """
    if _FIELD_QUERY.search(question):
        return question.strip()
    phrases = [(m.start(), " ".join(_WORD.findall(m.group(1)))) for m in _PHRASE.finditer(question)]
    phrases = [(pos, p) for pos, p in phrases if p][:MAX_TERMS]
    words = _content_words(_PHRASE.sub(lambda m: " " * len(m.group(0)), question))
    ranked = sorted(words, key=lambda pw: _specificity(pw[1]), reverse=True)
    kept = sorted(phrases + ranked[: MAX_TERMS - len(phrases)])
    if not kept:
        raise errors.SourceError(f"no search terms left in {errors.shown(question)} after "
                                 "dropping common words",
                                 hint="name a method, task or data set")
    return " AND ".join(_field_term(term) for _, term in kept)


def _content_words(text: str) -> list[tuple[int, str]]:
    seen: set[str] = set()
    words = []
    for m in _WORD.finditer(text):
        word = m.group(0).rstrip(".-")
        key = word.lower()
        if len(word) < 2 or word.isdigit() or key in STOPWORDS or key in seen:
            continue
        seen.add(key)
        words.append((m.start(), word))
    return words


def _specificity(word: str) -> tuple[int, int]:
    marked = any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])
    return (3 if marked else 2 if "-" in word else 1 if len(word) >= 8 else 0), len(word)


def _field_term(term: str) -> str:
    return f"all:{term}" if term.isalnum() else f'all:"{term}"'
