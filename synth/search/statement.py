"""A yes/no question read as a statement, and what it asks about, without a parser.

:func:`statement`: the question's last clause (:func:`synth.search.question.clause`) read as
a statement, for the verifier to score claims
against: the auxiliary dropped, a leading "it" / "they" replaced by what came before the
colon ("Is it safe in a community setting?" after "Double balloon enteroscopy:" ->
"Double balloon enteroscopy is safe in a community setting."). The auxiliary moves behind
the subject ("did", "can", "should", "has" as they are, "does" as the verb's -s: "Does
induction chemotherapy have a role?" -> "Induction chemotherapy has a role."). Without a
parser, the subject ends at a pronoun, at a modal's "be", or at the first known verb (after
"does", "did" or a modal) or predicate word (after "is", "are": an adjective or participle
not followed by the noun it qualifies, an adverb such as "always", an article: "Is
dexamethasone an effective alternative ...?"), never right after an article, preposition
or comma ("the clinically positive axilla", "of ethanol-mixed fluid"). When no word reads
as one the auxiliary is dropped ("Do X match Y?" -> "X match Y."), which the cross-encoder
reads nearly the same way. A title's question with no verb takes "is" or "are" after its
subject (:func:`elliptical`: "Inhibin: a new marker of hydatidiform mole?" -> "Inhibin is a new
marker of hydatidiform mole."; "X, a cause of Y?"; "X: safe and effective?").

:func:`subject`: what the yes/no question is about ("retrieval augmentation" in "Can retrieval
augmentation reduce hallucination?"), so the answer stage can tell a paper on it from one on
another way to the same outcome.

:func:`outcome`: what the yes/no question asks about its subject, as the words of its
predicate ("memory" in "Does quantization reduce the memory of LLMs?"), so the answer
stage can tell a claim about that from one about something else.
"""

from __future__ import annotations

import re

from synth.search.question import AUXILIARIES, clause, is_yes_no, terms

_COPULAS = frozenset("is are was were".split())
_MODALS = frozenset("can could will would should shall may might must".split())
# Verbs in their base form: what follows the subject of "does / did / can X ...?"
_VERB = re.compile(
    r"^(increase|decrease|reduce|improve|predict|affect|cause|promote|prevent|match|"
    r"outperform|help|lead|change|influence|correlate|differ|exist|work|remain|require|"
    r"provide|replace|benefit|alter|contribute|depend|occur|result|show|play|make|become|"
    r"have|need|offer|confer|protect|matter|reflect|explain|apply|support|enhance|modify|"
    r"determine|induce|impair|impact|raise|extend|exhibit|know|want|add|allow|enable|reach|"
    r"persist|justify|deliver|perceive|push|identify|detect|diagnose|discriminate|mediate|"
    r"modulate|worsen|delay|shorten|prolong|limit|restore|relieve|decline|rise|"
    r"vary|respond|suppress|inhibit|stimulate|activate|trigger|facilitate|hinder|"
    r"accelerate|mimic|resemble|represent|indicate|mean|translate|generalize|generalise|"
    r"survive|recover|return|lose|gain|pass|fail|succeed|exceed|yield|save|cost|pay|"
    r"predispose|correspond|coincide|interfere|interact|compete|call|receive|undergo|take|"
    r"get|give|see|find|feel|tolerate|accept|choose|prefer|recognize|follow|adhere|comply|"
    r"continue|stop|start|begin|keep|use|treat|assess|measure|estimate|reveal|read|appear|"
    r"rely|participate|counteract|miss|speed|beat|rival|surpass|compare|"
    r"\w+ize|\w+ise|\w+ify)$", re.I)
# Words that open a predicate after "is / are X": an adjective or participle, a comparison,
# an adverb of degree or time, or an -ing form of a verb of change (named, then by suffix).
_PREDICATE_WORDS = (
    r"associated|related|linked|effective|efficacious|safe|useful|better|worse|superior|"
    r"inferior|necessary|feasible|accurate|reliable|possible|able|needed|important|aware|"
    r"worth|good|bad|beneficial|harmful|sufficient|comparable|equivalent|similar|different|"
    r"higher|lower|greater|smaller|larger|more|less|present|absent|true|valid|justified|"
    r"warranted|relevant|mandatory|appropriate|predictive|due|responsible|dependent|"
    r"independent|correlated|involved|affected|required|indicated|safer|cheaper|faster|"
    r"always|still|really|also|truly|actually|ever|equally|necessarily|indeed|currently|"
    r"increasing|decreasing|improving|making|getting|changing|rising|declining|becoming|"
    r"working|significant|prevalent|efficient|consistent|deficient|evident|apparent|"
    r"adequate|specific|equal|worthwhile|satisfying|correct|adherent")
_PREDICATE_WORD = re.compile(rf"^({_PREDICATE_WORDS})$", re.I)
_PREDICATE = re.compile(rf"^({_PREDICATE_WORDS}|\w+ed|\w+ive|\w+ful|\w+able|\w+ible|\w+ous)$",
                        re.I)
# Of those, words that open a predicate whatever follows ("is X still dangerous", "is X worth
# the effort", "is X making a difference")
_OPENS_PREDICATE = frozenset("""always still really also truly actually ever equally necessarily
indeed currently more less worth making getting becoming""".split())
_DETERMINERS = frozenset("a an the".split())
_PRONOUNS = frozenset("it they we you i he she one this these those".split())
# After one of these a word belongs to the subject's noun phrase ("the clinically positive
# axilla", "aspiration of ethanol-mixed fluid")
_PREPOSITIONS = frozenset("""of in on for with by to from at after before during among between
without within into than versus vs vs. per under over about via""".split())
_INSIDE = _PREPOSITIONS | frozenset("""a an the this that these those its their his her our your
any all each every some no and or""".split())
# Words after which an adjective is still part of the subject ("positive axilla") are content
# words; a predicate adjective is followed by a function word or nothing ("safe and effective",
# "associated with")
_AFTER_PREDICATE = frozenset("""and or with to in for of than as at on by from when after before
during among between without within compared versus vs vs. but if prior""".split())


def statement(question: str) -> str:
    """The yes/no question read as the statement whose truth it asks about (see the module
    docstring); an open question is returned as it is, without its question mark."""
    parts = subject_and_predicate(question)
    if parts is None:
        text = " ".join(question.split()).rstrip(" ?")
        if not is_yes_no(question):
            return text
        said = elliptical(question)
        return (said or text) + "."
    aux, rest, at = parts
    if aux in _COPULAS and rest and rest[0].lower() == "there":
        rest = ["there", aux, *rest[1:]]  # "are there any ...?" -> "there are ..."
        if len(rest) > 2 and rest[2].lower() == "any":
            article = "an" if rest[3:4] and rest[3][:1].lower() in "aeiou" else "a"
            rest = rest[:2] + ([article] if aux in ("is", "was") else []) + rest[3:]
    elif at is not None and aux == "does":
        rest = rest[:at] + [third_person(rest[at])] + rest[at + 1:]
    elif at is not None and aux != "do":
        rest = rest[:at] + [aux] + rest[at:]
    text = " ".join(rest)
    return (text[:1].upper() + text[1:] + ".") if text else ""


# What opens the predicate of a title's question with no verb: "X: a marker of Y?", "X: really
# an early stage?", "X: safe and effective?"
_ELLIPTICAL = re.compile(rf"^(a|an|another|the|really|still|truly|{_PREDICATE_WORDS})$", re.I)
_HAS = frozenset({"a role", "any role", "a place", "a future", "an effect", "an impact"})
_APPOSITION = re.compile(r"^(.+?), ((?:a|an|another) .+)$")


def elliptical(question: str) -> str | None:
    """A title's question that has no verb, read as a statement: "X: a new risk factor for Y?"
    and "X, a cause of Y?" -> "X is a new risk factor for Y"; "X: safe and effective?" -> "X is
    safe and effective"; "X: really an early stage?" -> "X is really an early stage"; the verb
    is "are" when the subject's head noun is plural ("Chronic functional somatic symptoms: a
    single syndrome?"). None when the question is not of that shape ("X: room for
    improvement?" names no predicate to read)."""
    parts = elliptical_parts(question)
    return " ".join(parts) if parts else None


def elliptical_parts(question: str) -> tuple[str, str, str] | None:
    """(subject, verb, predicate) of :func:`elliptical`'s statement, or None."""
    before, last = clause(question)
    if not before:
        found = _APPOSITION.match(" ".join(question.split()).rstrip(" ?"))
        if found is None:
            return None
        before, last = found.groups()
    words = last.split()
    if not words or not _ELLIPTICAL.match(words[0].strip(_PUNCTUATION)):
        return None
    if " ".join(words[:2]).lower() in _HAS:  # "X: a role in Y?" -> "X has a role in Y"
        verb = "have" if plural(before) else "has"
    else:
        verb = "are" if plural(before) else "is"
    return before, verb, " ".join([words[0].lower(), *words[1:]])


def plural(subject: str) -> bool:
    """Whether a noun phrase reads as plural: two things joined by "and", or a head noun (the
    last word before a preposition) ending in -s but not -ss, -us or -is."""
    head: list[str] = []
    for word in subject.split():
        if word.lower() in _PREPOSITIONS:
            break
        head.append(word.strip(_PUNCTUATION))
    if not head:
        return False
    return "and" in (w.lower() for w in head) or bool(
        re.search(r"[^su]s$", head[-1]) and not head[-1].lower().endswith("is")
        and not head[-1].isupper())


def subject_and_predicate(question: str) -> tuple[str, list[str], int | None] | None:
    """(the auxiliary, the words after it, where the subject among them ends or None when
    not found) of a question whose last clause opens with an auxiliary; None for others. A
    leading "it" / "they" is replaced by what came before the colon, which is the subject."""
    before, last = clause(question)
    words = last.split()
    if not words or words[0].lower() not in AUXILIARIES:
        return None
    aux, rest = words[0].lower(), words[1:]
    if rest and rest[0].lower() in ("it", "they", "this", "these") and before:
        return aux, before.split() + rest[1:], len(before.split())
    if len(rest) > 1 and rest[0].lower() in _PRONOUNS:
        return aux, rest, 1  # "can you deliver ...", "is it time to ..."
    if aux in _COPULAS and rest and rest[0].lower() == "there":
        return aux, rest, 1
    return aux, rest, predicate_start(aux, rest)


def predicate_start(aux: str, rest: list[str]) -> int | None:
    """Where the subject of ``aux rest...?`` ends: the index in ``rest`` of the verb or
    predicate that follows it, or None when no word reads as one."""
    plain = [plain_word(rest, i) for i in range(len(rest))]
    if aux in _MODALS:  # "can X be ...", "should X have ..."
        for i in range(1, len(plain)):
            if plain[i] in ("be", "have"):
                return i
    if aux in ("has", "have", "had"):  # "has X improved ...", "have X been ..."
        for i in range(1, len(plain)):
            if plain[i - 1] not in _INSIDE and re.fullmatch(r"been|\w+ed|\w+en", plain[i]):
                return i
        return None
    for i in range(1, len(plain)):
        word, previous = plain[i], plain[i - 1]
        if previous in _INSIDE or rest[i - 1].endswith(","):
            continue
        if aux not in _COPULAS:
            if _VERB.match(word) and not rest[i].endswith(","):
                return i
            continue
        if word in _DETERMINERS and i + 1 < len(plain):
            return i  # "is dexamethasone an effective alternative"
        following = plain[i + 1] if i + 1 < len(plain) else ""
        if (_PREDICATE.match(word) and not rest[i].endswith(",")
                and (not following or following in _AFTER_PREDICATE
                     or _PREDICATE.match(following) or following in _DETERMINERS
                     or word in _OPENS_PREDICATE)):
            return i
    if aux in _COPULAS:  # "are margins accurate predictors": a predicate adjective before a noun
        for i in range(1, len(plain)):
            if plain[i - 1] not in _INSIDE and _PREDICATE.match(plain[i]) \
                    and not rest[i].endswith(",") and not rest[i - 1].endswith(","):
                return i
    return None


def subject(question: str) -> str:
    """What a yes/no question asks about, as its words: the subject before its verb or
    predicate ("retrieval augmentation" in "Can retrieval augmentation reduce hallucination
    in LLMs?"; "Double balloon enteroscopy" in "Double balloon enteroscopy: is it safe?";
    "Inhibin" in "Inhibin: a new marker of mole?"). Empty when the subject's end is not found,
    for "is there ...?", a pronoun ("can you ...?") and an open question."""
    if not is_yes_no(question):
        return ""
    parts = subject_and_predicate(question)
    if parts is None:  # "Inhibin: a new marker of mole?": what comes before the predicate
        verbless = elliptical_parts(question)
        return verbless[0] if verbless else ""
    if parts[2] is None:
        return ""
    words = parts[1][:parts[2]]
    if len(words) == 1 and plain_word(words, 0) in _PRONOUNS | {"there"}:
        return ""
    return " ".join(words).strip(_PUNCTUATION)


# Where an outcome's words end ("reduce the memory of large language models" -> memory)
_ENDS_OUTCOME = _PREPOSITIONS | {"across", "against"}


def outcome(question: str) -> list[str]:
    """What a yes/no question asks about its subject, as its content words: the predicate's
    words after its verb, up to the first preposition after one of them (past "of" after a
    measure: "length of stay"), and the verb itself when it says what changes ("Does
    speculative decoding speed up inference?" -> speed, inference; "Can PRISM predict length
    of PICU stay?" -> length, PICU, stay; "Is X associated with mortality?" -> mortality).
    Empty for a predicate that is an adjective ("is X safe?", "can X be omitted?"), a
    comparison ("does X outperform Y?") or a verb without an object ("does X exist?"), when
    the subject's end is not found, and for an open question."""
    parts = subject_and_predicate(question) if is_yes_no(question) else None
    if parts is None or parts[2] is None:
        return []
    aux, rest, at = parts
    head = plain_word(rest, at)
    if (aux in _COPULAS or head == "be") and not _RELATION.match(plain_word(rest, at + 1)) \
            and not _RELATION.match(head) or _COMPARISON.match(head) or head in _INTRANSITIVE:
        return []  # "is X safe?", "can X be omitted?", "does X outperform Y?": no one outcome
    subject = terms(" ".join(rest[:at]))
    # a verb that names what changes is part of the outcome ("speed up inference": a speedup)
    found: list[str] = [rest[at]] if _OUTCOME_VERB.match(head) else []
    for i in range(at + 1, len(rest)):
        plain = plain_word(rest, i)
        if plain in _ENDS_OUTCOME:
            if found and (plain != "of" or found[-1].lower() not in _MEASURES):
                break
            continue
        if (terms(plain) and not terms(plain) & subject and not _VERB.match(plain)
                and not _PREDICATE_WORD.match(plain)):
            found.append(rest[i].strip(_PUNCTUATION))
    return found


_RELATION = re.compile(r"^(associated|related|linked|correlated|due|responsible|predictive)$")
_COMPARISON = re.compile(r"^(outperform|match|exceed|resemble|differ|equal|beat|rival|"
                         r"compare|surpass)")

# Nouns that name a measure of something: the outcome goes on past their "of" ("length of
# stay", "risk of cardiovascular events"; but "memory of large language models" stops)
_MEASURES = frozenset("""length rate rates risk level levels pattern patterns number duration
quality severity incidence prevalence use success efficacy effectiveness outcome outcomes
frequency degree extent amount size time accuracy performance cost costs speed response
function progression development onset distribution volume concentration expression""".split())
# Verbs that name what changes, not only which way ("speed up", against "increase")
_OUTCOME_VERB = re.compile(r"^(speed|accelerate|shorten|prolong|delay|save|survive|recover|"
                           r"detect|diagnose|identify|heal|cure|protect|discriminate)$")

_INTRANSITIVE = frozenset("exist exists occur remain persist work apply".split())


_PUNCTUATION = ",.;:()\"'"


def plain_word(words: list[str], i: int) -> str:
    """``words[i]`` lower-cased without punctuation ("" past the end)."""
    return words[i].strip(_PUNCTUATION).lower() if i < len(words) else ""


_IRREGULAR = {"have": "has", "do": "does", "be": "is", "go": "goes"}


def third_person(verb: str) -> str:
    """``reduce`` -> ``reduces``, ``match`` -> ``matches``, ``vary`` -> ``varies``,
    ``have`` -> ``has``."""
    if verb.lower() in _IRREGULAR:
        return _IRREGULAR[verb.lower()]
    if re.search(r"(s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"
