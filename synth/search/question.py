"""What a question asks, read from its words: whether it is a yes/no question, its aspects and
the named things it mentions.

- :func:`is_yes_no`: the question's last clause opens with an auxiliary ("Does LoRA match
  ...?", "Double balloon enteroscopy: is it safe ...?").
- :func:`synth.search.statement.statement` and :func:`~synth.search.statement.outcome` read a
  yes/no question's clause as a statement and name what it asks about.
- :func:`terms`: a text's content words as 5-letter stems (stop words out); :func:`aspects`
  are the question's, and a claim's relevance is the share of them it holds
  (:func:`held_terms`: an acronym counts as the words it stands for, whether the paper
  defines it, "resting heart rate (RHR)", or it is the initials of words of the question,
  "DBE" for "double balloon enteroscopy").
- :func:`entities`: the named things: models, data sets, acronyms, anything written with
  digits or inner capitals, and runs of capitalised words inside a sentence ("Deepseek R1",
  "HDL-C", "LoRA"; in a question written in title case, only the first kind; in one written
  in capitals, only words with digits; a possessive "'s" is not part of the name, and a
  capitalised word opening a sentence inside the question is not a name).
  :func:`mentions` finds one in a paper's text, spelled with or without spaces and hyphens,
  an acronym by the initials of its expansion ("HMO": "health maintenance organization"), a
  people's or place's adjective by the place ("South African": "South Africa"), a name of
  capitalised words by its initials ("U.S." for "United States"; undotted from three letters:
  "WHO"), and names joined by a slash by any one of them. An acronym in brackets after a name
  ("enzyme-1 (ACE-1)") is that name's, so only the acronym is kept.
- :func:`settings`: the phrases that place the question or name its task ("edge devices" in
  "... on edge devices?"), so the answer can say which of them no kept paper mentions.
"""

from __future__ import annotations

import re

from synth.library.arxiv_ids import STOPWORDS

AUXILIARIES = frozenset("""do does did is are was were am can could will would should shall
may might must has have had""".split())
WH_WORDS = frozenset("what which how why when where who whom whose".split())


_TERM = re.compile(r"[^\W_][\w\-]*")
_PUNCTUATION = ",;:.()[]\"'"


def terms(text: str) -> set[str]:
    """Content words as 5-letter prefixes (a crude stem: ``reduces``, ``reduced`` → ``reduc``)."""
    return {w.lower()[:5] for w in _TERM.findall(text)
            if len(w) > 2 and w.lower() not in STOPWORDS and not w.isdigit()}


def says_a_word_of(phrase: str, text: str) -> bool:
    """Whether ``text`` holds a content word of ``phrase``: its first five letters, or four of a
    shorter word, opening a word of the text ("costs" says "cost savings", "device" says "edge
    devices")."""
    words = [w for w in _TERM.findall(phrase) if terms(w)]
    return bool(words) and re.search(
        "|".join(rf"\b{re.escape(w[:max(4, min(5, len(w) - 1))])}" for w in words),
        text, re.I) is not None


_DEFINED = re.compile(r"((?:[^\W_][\w\-']*\s+){1,8})\(\s*%?([A-Z][A-Za-z0-9\-]{1,9}?)s?\s*[),;]")


def acronyms(text: str) -> dict[str, set[str]]:
    """The acronyms ``text`` defines ("resting heart rate (RHR)"), as their :func:`terms`
    stem -> the terms of the words they stand for (initials checked)."""
    found: dict[str, set[str]] = {}
    for m in _DEFINED.finditer(text):
        letters = [c for c in m.group(2).lower() if c.isalpha()]
        for words in (m.group(1).split(), re.split(r"[\s\-]+", m.group(1).strip())):
            words = words[-len(letters):]
            if len(letters) >= 2 and len(words) == len(letters) and all(
                    w[0].lower() == c for w, c in zip(words, letters)):
                found.setdefault(m.group(2).lower()[:5], set()).update(terms(" ".join(words)))
                break
    return found


def question_acronyms(question: str) -> dict[str, set[str]]:
    """Initials of each run of 2-5 words of the question ("dbe" -> double, balloon,
    enteroscopy), three letters or more."""
    words = [w for w in _TERM.findall(question) if w.lower() not in STOPWORDS]
    found: dict[str, set[str]] = {}
    for size in range(3, 6):
        for i in range(len(words) - size + 1):
            run = words[i:i + size]
            found.setdefault("".join(w[0].lower() for w in run), set()).update(terms(" ".join(run)))
    for i in range(len(words) - 1):  # two words, when written with capitals ("Primary Care")
        if words[i][:1].isupper() and words[i + 1][:1].isupper():
            pair = words[i:i + 2]
            found.setdefault("".join(w[0].lower() for w in pair), set()).update(
                terms(" ".join(pair)))
    return found


def held_terms(text: str, defined: dict[str, set[str]]) -> set[str]:
    """``text``'s terms, each acronym of ``defined`` adding the words it stands for."""
    own = terms(text)
    return own.union(*(defined[t] for t in own if t in defined))


def ordered_aspects(question: str) -> list[str]:
    """The question's aspects in the order it names them."""
    wanted = aspects(question)
    return [t for t in dict.fromkeys(w.lower()[:5] for w in _TERM.findall(question))
            if t in wanted]


def clause(question: str) -> tuple[str, str]:
    """(what comes before the last colon or dash, the question's last clause), without the
    question mark."""
    text = " ".join(question.split()).rstrip(" ?")
    parts = _CLAUSE_BREAK.split(text)
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", text)


# A colon, semicolon or dash; or a sentence's end: a period or question mark after a word
# ("... surgery. Is it ...", "... vs. LEEP. Are they ...", "... episodes II. Are ..."), not
# after an initial or an abbreviation ("U.S. Adults", "vs. LEEP", "et al. The"); or a comma
# before the question's auxiliary
_CLAUSE_BREAK = re.compile(
    r"\s*[:;]\s+|\s*(?:--|[–—])\s*|\s+-\s+|"
    r"(?<=[A-Za-z0-9)])(?<!\b[A-Za-z])(?<!\bvs)(?<!\bal)(?<!\betc)(?<!\bFig)(?<!\bDr)(?<!\bNo)"
    r"[.?]\s+(?=[A-Z])|"
    # a comma before the question itself ("X, is it an alternative to Y?", "In children
    # with X, is Y safe?")
    r",\s+(?=(?i:is|are|was|were|does|do|did|can|could|should|will|would|has|have)\s)")


def is_yes_no(question: str) -> bool:
    """Not a wh-question: its first and last clauses open with no question word ("How
    does ...", "... : which is better?"); "X: a marker of Y?" asks yes or no."""
    before, last = clause(question)
    opening = {(part.split() or [""])[0].lower() for part in (before, last)}
    return not opening & WH_WORDS


def aspects(question: str) -> set[str]:
    return terms(question)


def entities(question: str) -> list[str]:
    """The named things of the question, in order (see the module docstring)."""
    # a double hyphen or a dash breaks the question like a colon ("After CLASS--Is ...")
    words = re.sub(r"\s*(--+|—)\s*", ": ", " ".join(question.split())).rstrip(" ?").split()
    title_case = sum(w[:1].isupper() for w in words) > 0.6 * len(words)
    capitals = sum(w.isupper() for w in words) > 0.6 * len(words)  # written all in capitals
    found: list[str] = []
    run: list[str] = []
    for i, word in enumerate(words):
        whole = re.sub(r"['’]s$", "", word.strip(_PUNCTUATION))  # "GFRUP's" -> "GFRUP"
        core = _named_part(whole)
        before = words[i - 1] if i else ""
        if run and word.startswith("("):  # "enzyme-1 (ACE-1)": the bracket names it anew
            if not _abbreviates(word, run[-1]):  # kept only when the bracket is no acronym of it
                found.append(" ".join(run))
            run = []
        opens = not i or before.endswith((":", ";", "?")) or (  # a sentence ends ("canal.")
            before.endswith(".") and len(before) > 4 and before.count(".") == 1)
        capital = (core[:1].isupper() and core.lower() not in STOPWORDS
                   and core.lower() not in AUXILIARIES)
        named = _named(core) and (not capitals or any(c.isdigit() for c in core))
        if core and (named or (capital and not opens and not title_case)):
            run.append(core)
            if core != whole:  # "SecLM-fine-tuned": the name ends inside the word
                found.append(" ".join(run))
                run = []
        elif run:
            found.append(" ".join(run))
            run = []
        if run and word.endswith((",", ";", ":", ")")):
            found.append(" ".join(run))
            run = []
    if run:
        found.append(" ".join(run))
    return list(dict.fromkeys(found))


_SETTING_WORDS = frozenset("in among from at across within".split())


# What opens a phrase that places a question or names its task ("on edge devices", "across
# programming languages", "in children"), and what ends one
_PLACING = frozenset("on across in among within at".split())
_ENDS_PLACE = _PLACING | frozenset("""and or than versus vs vs. compared when after before
during with without by to from for whether while as into via""".split())
_LEADING = frozenset("a an the their its our this these those all each every some any".split())


def settings(question: str) -> list[str]:
    """The phrases that place a question or name its task, as written: the words after "on",
    "across", "in", "among", "within" or "at" up to the next such word, conjunction or
    punctuation ("programming languages" and "edge devices" in "... vary across programming
    languages on edge devices?"; "text classification" in "Do small models match large ones
    on text classification?"), without a leading article; a phrase of more than five words,
    none with a content word, or an idiom's one word ("in response to", "at risk") is left
    out."""
    found = []
    words = " ".join(question.split()).rstrip(" ?").split()
    for i, word in enumerate(words):
        if word.lower() not in _PLACING or word.endswith(","):
            continue
        phrase: list[str] = []
        for following in words[i + 1:]:
            plain = following.strip(_PUNCTUATION).lower()
            if plain in _ENDS_PLACE or not plain:  # a lone ":" ends it too
                break
            phrase.append(following.strip(_PUNCTUATION + "?"))
            if following.endswith((",", ";", ":")):
                break
        while phrase and phrase[0].lower() in _LEADING:
            phrase = phrase[1:]
        if (phrase and len(phrase) <= 5 and terms(" ".join(phrase))
                and not (len(phrase) == 1 and phrase[0].lower() in _IDIOMS)):
            found.append(" ".join(phrase))
    return found


# One word after "in", "on" or "at" that makes an idiom, not a setting ("in response to",
# "at risk for", "in practice")
_IDIOMS = frozenset("""response risk practice general particular addition turn part fact
average least most total vivo vitro order terms time contrast comparison detail short sum
summary principle theory reality advance parallel common question""".split())


def settings_named(question: str, names: list[str]) -> list[str]:
    """The named things that only place the question (a preposition among the four words
    before them: "in the UK", "in Thai women", "in a rural adult West African population"),
    not what it is about."""
    words = [w.strip(_PUNCTUATION + "?").lower() for w in question.split()]
    placed = []
    for name in names:
        first = name.split()[0].lower()
        at = next((i for i, w in enumerate(words) if w == first),
                  next((i for i, w in enumerate(words) if w.startswith(first)), None))
        if at is not None and _SETTING_WORDS & set(words[max(0, at - 4):at]):
            placed.append(name)
    return placed


def _abbreviates(bracketed: str, name: str) -> bool:
    """Whether a bracketed word is an acronym that stands for the words before it: capitals
    holding the first letter of the name it follows ("(ACE-1)" after "enzyme-1"), so the name
    is the acronym's, not a second named thing."""
    letters = re.sub(r"[^A-Za-z]", "", bracketed)
    return len(letters) >= 2 and letters.isupper() and name[:1].upper() in letters


def _named_part(word: str) -> str:
    """A hyphenated word up to its first all-lowercase part ("SecLM-fine-tuned" -> "SecLM";
    "HDL-C" and "GPT-4" stay whole)."""
    parts = word.split("-")
    kept = [parts[0]]
    for part in parts[1:]:
        if part.islower():
            break
        kept.append(part)
    return "-".join(kept) if _named("-".join(kept)) or len(kept) == 1 else parts[0]


def _named(word: str) -> bool:
    """Written with a digit beside letters or with a capital after its first letter."""
    letters = any(c.isalpha() for c in word)
    return letters and (any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:]))


def squash(text: str) -> str:
    """Lower case without spaces, hyphens, dots and apostrophes ("Llama-3" -> "llama3")."""
    return re.sub(r"[\s\-_.'’]+", "", text.lower())


def mentions(entity: str, text: str, squashed: str | None = None) -> bool:
    """Does ``text`` name ``entity`` (``squashed``: the text as :func:`squash` makes it,
    when checking many entities against one text)? Names joined by a slash are
    alternatives ("Chaalia/Pan Masala"): any of them will do. The module docstring lists the
    other spellings it accepts."""
    if "/" in entity.strip("/"):
        return any(mentions(part, text, squashed) for part in entity.split("/") if part.strip())
    squashed = squashed if squashed is not None else squash(text)
    if any(squash(form) in squashed for form in _place_forms(entity)):
        return True
    words = entity.split()
    if len(words) >= 2 and all(w[:1].isupper() and w.isalpha() for w in words):
        initials = "".join(w[0] for w in words)  # "U.S."; "WHO" for World Health Organization
        dotted = r"\.\s?".join(initials) + r"\."
        written = rf"\b(?:{dotted}|{initials})(?!\w)" if len(initials) >= 3 else rf"\b{dotted}"
        if re.search(written, text):
            return True
    letters = re.sub(r"[^A-Za-z]", "", entity)
    if entity.isupper() and 2 <= len(letters) <= 6:
        pattern = r"\b" + r"\w*[\s\-]+".join(letters.lower()) + r"\w*"
        return re.search(pattern, text.lower()) is not None
    return False


def _place_forms(entity: str) -> list[str]:
    """The entity, and, when its last word reads as a people's or a place's adjective, the
    place ("South African": "South Africa"; "Korean": "Korea"; "Brazilian": "Brazil";
    "Japanese": "Japan")."""
    head, _, last = entity.rpartition(" ")
    stems = []
    if last[:1].isupper() and last.isalpha() and len(last) >= 5:
        stems = ([last[:-1]] if last.endswith("an") else []) + (
            [last[:-3]] if last.endswith(("ian", "ese")) else [])
    return [entity] + [f"{head} {stem}".strip() for stem in stems]
