"""What a sentence says, read from its words: is it a claim, of which type, with which numbers.

Deterministic pattern rules for the offline extractor (:mod:`synth.claims.extract`); no model.

- :func:`claim_cues` scores how claim-like a sentence is from result verbs ("we show",
  "outperforms", "reduced", "was shorter", "were observed between"), comparisons ("than",
  "compared with"), stated numbers and stated limitations, less for a citation or for
  background wording ("recent studies", "have gained popularity", "existing methods") with no
  "we" or "our", and marks sentences that cannot be
  a claim: background about the field (its state, or the problem it faces: "LLMs have achieved
  remarkable ...", "pose challenges", "suffer from", "highlighting the need for", with no
  number and no "we" or "our"),
  framing ("we first analyze ...", "this survey reviews ...", "we hope ..."), a study's aim
  ("To determine whether ...", "The aim of this study was to ...", "In this work, we
  evaluate ..." with no number or result: it restates a question, so read as a claim it
  would seem to answer it), captions,
  citation-heavy background, questions, fragments, titles and headings (no sentence end),
  table debris, and text addressed to a language model.
- :func:`study_design`: a sentence that says how a study was done ("Patients were randomized
  to ...", "We retrospectively reviewed 120 charts", "An analysis of 29 elements was
  performed using ...") and states no result. It is typed method and ranks a point below
  the results, so a study's findings, not its design, are what a paper is read for.
- :func:`claim_type` picks one of :data:`synth.records.claims.CLAIM_TYPES`.
- :func:`invents_numbers`: does a wording state a number its quote does not? (numbers are
  parsed by :func:`synth.parsing.numbers.quantities`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from synth.parsing.numbers import CITATION, numbers_not_in, quantities
from synth.records.claims import ClaimType

SKIP_SECTIONS = re.compile(
    r"\b(references?|bibliography|acknowledge?ments?|related work|background|prior work"
    r"|appendix|author contributions|funding|ethics statement)\b", re.I)

_RESULT = re.compile(
    r"\b(we (show|find|found|observe[d]?|demonstrate[d]?|report|achieve[d]?|obtain(ed)?)"
    r"|(results?|experiments?|analys[ie]s|findings|evaluations?) (show|showed|demonstrate[d]?"
    r"|indicate[d]?|suggest(ed)?|reveal(ed)?|confirm(ed)?)"
    r"|outperform(s|ed|ing)?|achiev(es|ed|ing)|improv(es|ed|ing|ement)|reduc(es|ed|ing|tion)"
    r"|increas(es|ed|ing)|decreas(es|ed|ing)|surpass(es|ed)?|exceed(s|ed)?|yield(s|ed)?"
    r"|lead(s)? to|led to|result(s|ed)? in|associated with|correlat(es|ed|ion)"
    r"|significant(ly)?|effective(ly)?|robust(ly)?|state[- ]of[- ]the[- ]art|accura(cy|te)"
    r"|caus(es|ed)|predict(s|ed)|inhibit(s|ed)|promot(es|ed)|enhanc(es|ed)|impair(s|ed)"
    r"|showed|revealed|demonstrated|induced|confirmed"
    # a comparative stated of what was measured ("the time ... was shorter for off-hours
    # than day-shifts"), and what was seen where ("no difference was observed between ...")
    r"|(?:was|were|is|are) (?:(?:significantly|markedly|slightly|substantially|much"
    r"|considerably|also|still|not) )?(?:shorter|longer|higher|lower|greater|smaller|larger"
    r"|faster|slower|fewer|earlier|later|older|younger|heavier|lighter|stronger|weaker|wider"
    r"|narrower)|(?:was|were) (?:observed|found|seen|detected|noted) (?:between|in|among"
    r"|across))\b",
    re.I)
COMPARISON = re.compile(
    r"\b(than|compared (with|to)|relative to|versus|vs\.?|over the baseline|better|worse"
    r"|higher|lower|faster|slower|fewer|more accurate|less accurate|on par with|comparable to"
    r"|outperform(s|ed|ing)?|beat(s)?|surpass(es|ed)?)\b", re.I)
LIMITATION = re.compile(
    r"\b(limitations?|limited|fail(s|ed|ure)?|does not|do not|did not|cannot|can not|unable"
    r"|not (significant|effective|improve|generali[sz]e)|no (significant )?(effects?|differences?"
    r"|improvements?|associations?)|future work|remains? (unclear|open)|caveat|drawback"
    r"|degrades?|struggles?|only when)\b", re.I)
METHOD = re.compile(
    r"\b(we (propose|introduce|present|develop|design|train|fine-?tune|use|adopt)"
    r"|our (method|approach|model|system|framework|pipeline))\b", re.I)
_DESIGN = re.compile(
    r"\b(?:was|were) (?:(?:then|also|further|subsequently|prospectively|retrospectively|randomly"
    r"|consecutively|first) )?(?:randomi[sz]ed|enrolled|included|recruited|divided|allocated"
    r"|assigned|selected|reviewed|collected|obtained|recorded|performed|conducted|carried out"
    r"|administered|interviewed|surveyed|followed|matched|stratified|categori[sz]ed|classified"
    r"|identified|sampled|screened|invited|asked|given|treated|operated|examined|measured"
    r"|assessed|evaluated|analy[sz]ed|studied|used|calculated|estimated|determined|compared"
    r"|investigated|quantified|tested|applied|defined|scored|graded|instructed|trained)\b"
    r"|\bwe (?:(?:prospectively|retrospectively|then|also|further|randomly|first) )?(?:reviewed"
    r"|enrolled|recruited|included|examined|analy[sz]ed|studied|performed|conducted|collected"
    r"|measured|assessed|evaluated|compared|investigated|identified|surveyed|interviewed"
    r"|randomi[sz]ed|selected|obtained|followed|used)\b|\bunderwent\b", re.I)
_OBSERVED = re.compile(r"\b(?:we|and|they) (?:found|observed|noted)\b|\b(?:found|observed"
                       r"|noted) that\b", re.I)
_COMPARED = re.compile(r"\b(?:faster|slower|higher|lower|better|worse|smaller|larger|fewer"
                       r"|cheaper)\b", re.I)
_P_VALUE = re.compile(r"\bp\s*(?:value\s*)?[<>=≤≥]\s*0?\.\d", re.I)
_DEFINITION = re.compile(r"\b(we define|is defined as|are defined as|refers? to|denotes?)\b",
                         re.I)
_BACKGROUND = re.compile(
    r"\b(recent (years|studies|works?|research|advances|advancements|progress|developments|"
    r"reports|literature|efforts|breakthroughs)|^recently\b|recently,|(has|have) recently|"
    r"previous(ly)? (works?|studies|research|reports|literature|approaches|methods|findings)|"
    r"previously (shown|reported|demonstrated|described|proposed)|prior (work|studies|research)|"
    r"existing ([\w-]+ ){0,2}?(work|methods|approaches|studies|models|systems|solutions"
    r"|techniques|frameworks|algorithms)|(many|several|numerous|some) (studies|works|"
    r"researchers|methods|approaches)|(studies|research|work) (has|have) (shown|found|"
    r"demonstrated)|(has|have) (been )?(widely|extensively|increasingly|commonly)|"
    r"(gained|attracted|received|drawn|prompted) (significant |considerable |much |growing )?"
    r"(popularity|attention|interest)|(has|have) become|is (a )?(well[- ]known|widely)|"
    r"(traditional|conventional) (methods|approaches|models|systems|techniques|wisdom|"
    r"pipelines|algorithms|solutions|architectures|paradigms)|^(traditionally|conventionally)\b|"
    r"in recent years|nowadays|to date|this trend|"
    r"(has|have) (typically|often|usually|largely|mainly|mostly) (focused|relied|been)|"
    r"(existing|prior|previous) works?|(requires?|demands?) (significant|substantial|"
    r"considerable|massive|enormous|huge|large amounts of)|despite (the|their|its)|"
    r"current (methods|approaches|models|systems|techniques)|"
    r"(topic|area|subject|question) of (significant |great |growing |increasing |much )?"
    r"(interest|importance|debate)|the question of whether|emerg(es|ed) as)\b", re.I)
# A sentence that opens by naming a subject with its acronym (and, maybe, a word for what kind
# of thing it is) and saying what it is or does, in the present ("Low-Rank Adaption (LoRA)
# offers a cost-effective fine-tuning solution", "The Low-Rank Adaptation (LoRA) strategy
# balances efficiency and performance ...", "Multiple sclerosis (MS) is an immune-mediated ...
# disease"): it introduces the topic
_INTRODUCES = re.compile(
    r"^\W*(?:[\w\-']+\s+){0,7}?[\w\-']+\s+\(([A-Z][A-Za-z0-9\-]{1,9})s?\)\s+(?:(?:strategy"
    r"|method|technique|approach|framework|model|paradigm|algorithm|architecture|family|scheme"
    r"|mechanism|system|protocol)\s+)?(?:is|are|offers?|provides?|enables?|allows?|remains?"
    r"|represents?|serves?|plays?|has|have|affects?|occurs?|refers?|involves?|consists?|relies"
    r"|rely|(?!was\b|does\b)[a-z]{2,}[^s\W]s)\b")
_MOTIVATION = re.compile(
    r"\b((has|have) (achieved|shown|demonstrated) (remarkable|impressive|great|strong|excellent|"
    r"significant|notable|state-of-the-art|unprecedented)|(has|have) (significantly |greatly |"
    r"substantially |dramatically |rapidly )?(advanced|enhanced|transformed|revolutioni[sz]ed)|(is|are) "
    r"(crucial|essential|critical|vital|of (great|growing|increasing) importance)|"
    r"(exhibit|show|display|deliver)s? (exceptional|remarkable|impressive|excellent|outstanding|"
    r"unprecedented) (performance|capabilit|abilit)|"
    r"(pose[sd]?|face[sd]?|facing) (significant |major |great |"
    r"serious |several |many |new )?challenges|suffers? from|(is|are|remains?) (impractical|"
    r"prohibitive|challenging|a (major |key |significant )?(challenge|bottleneck)|an open "
    r"(problem|question))|(highlight|underscor|emphasi[sz])(e|es|ed|ing)? the (urgent |pressing "
    r"|critical |growing )?need|there is an? (urgent |pressing |critical |growing )?need)\b",
    re.I)
_FRAMING = re.compile(
    r"\b(this (survey|review|tutorial) (categori[sz]es|reviews|summari[sz]es|discusses|covers|"
    r"provides|presents|introduces|organi[sz]es)|we (first|then|next|further) (analy[sz]e|"
    r"discuss|describe|review|introduce|present|"
    r"outline|examine)|we hope|in this (section|chapter)|the rest of (this|the) paper|(is|are) "
    r"organi[sz]ed as follows)\b", re.I)
_STUDY = r"(?:study|trial|analysis|investigation|survey|review|work|paper|research|project)"
_AIM = re.compile(
    r"^\W*to (?:determine|assess|evaluate|examine|investigate|compare|explore|identify|describe"
    r"|test|study|establish|estimate|clarify|characteri[sz]e|validate|quantify|ascertain"
    r"|elucidate|analy[sz]e|measure|define|understand|verify|report)\b"
    r"|\b(?:aims?|purposes?|objectives?|goals?) of (?:this|the|our) (?:present |current )?"
    + _STUDY + r"s? (?:was|were|is|are) to\b"
    r"|\b(?:this|the|our) (?:present |current )?(?:[\w-]+,? ){0,3}" + _STUDY
    + r" (?:aims?|aimed|sought|seeks|intends|was (?:designed|undertaken|conducted|performed"
    r"|carried out) to (?:determine|assess|evaluate|examine|investigate|compare|explore|test))\b"
    r"|\bwe (?:aimed|aim|sought|seek|set out|intended|wished|wanted) to\b"
    r"|\bwe (?:evaluated|investigated|examined|assessed|tested|asked|explored|studied|analy[sz]ed)"
    r" (?:whether|if)\b", re.I)
# What the paper does, in the present ("In this work, we evaluate the performance of ...",
# "We examine the strengths and limitations of smaller models"): an aim when it states no
# number and no result ("..., showcasing minimal accuracy loss while achieving up to 3.65
# times higher throughput" is a result)
_AIM_NOW = re.compile(
    r"^\W*(?:(?:in|with) (?:this|the present|our) (?:work|paper|study|article),? )?"
    r"(?:here,? )?we (?:(?:first|further|also|then|systematically|empirically|comprehensively)"
    r" )?(?:evaluate|examine|investigate|explore|study|analy[sz]e|assess|compare|benchmark"
    r"|review|survey|measure|test|ask|address|consider|revisit|characteri[sz]e)\b", re.I)
_RESULTING = re.compile(r"\b(?:showing|showcasing|demonstrating|revealing|finding|achieving"
                        r"|yielding|reaching|obtaining|outperforming|improving|reducing"
                        r"|increasing|confirming|suggesting|indicating)\b", re.I)
_AIM_RESULT = re.compile(r"\b(?:we|and) (?:found|showed|observed|demonstrated|find|show"
                         r"|observe|demonstrate)\b", re.I)
_OWN_WORK = re.compile(r"\b(we|our|this (paper|work|study)|here)\b", re.I)
_CAPTION = re.compile(r"^\s*(fig(ure)?|table|tab|algorithm|listing|eq(uation)?)\.?\s*\d+\s*[:.|]",
                      re.I)
_ENDS_SENTENCE = re.compile(r"[.!][\"'”’)\]]*\d{0,2}\s*$")
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget) (all |any )?(the )?(previous|prior|above|earlier)"
    r" (instructions?|prompts?|text)|\byou are (an? )?(ai|assistant|language model|chatgpt)\b"
    r"|\b(system prompt|as an ai\b|respond only with|output only|print only)", re.I)


# why a sentence that states the problem the field faces is not a claim (a card's problem)
FIELD_PROBLEM = "background: the problem the field faces, not this paper's finding"


@dataclass(frozen=True)
class Cues:
    """How claim-like a sentence is; ``excluded`` names why it can never be a claim."""

    score: float
    excluded: str | None = None


def claim_cues(sentence: str) -> Cues:
    words = sentence.split()
    if len(words) < 6:
        return Cues(0.0, "fragment")
    if len(words) > 90:
        return Cues(0.0, "too long to be one statement")
    if _INSTRUCTION.search(sentence):
        return Cues(0.0, "addressed to a language model")
    if _CAPTION.match(sentence):
        return Cues(0.0, "caption")
    if sentence.rstrip().endswith("?"):
        return Cues(0.0, "question")
    if not _ENDS_SENTENCE.search(sentence):
        return Cues(0.0, "no sentence end (a title, heading or cut-off text)")
    letters = sum(c.isalpha() for c in sentence)
    if letters < 0.55 * len(sentence.replace(" ", "")):
        return Cues(0.0, "table or formula debris")
    if len(CITATION.findall(sentence)) >= 2:
        return Cues(0.0, "background citing others")
    stated = quantities(sentence)
    numbers = bool(stated)
    score = (1.0 * bool(_RESULT.search(sentence)) + 1.0 * bool(COMPARISON.search(sentence))
             + 1.0 * bool(LIMITATION.search(sentence)) + 0.5 * bool(METHOD.search(sentence))
             + 0.5 * bool(_DEFINITION.search(sentence)) + 0.75 * numbers)
    if CITATION.search(sentence):
        score -= 1.0  # a single citation usually reports someone else's finding
    if about_the_field(sentence) and not _OWN_WORK.search(sentence):
        return Cues(0.0, "background: the state of the field, not this paper's finding")
    if _MOTIVATION.search(sentence) and not _OWN_WORK.search(sentence) and not numbers:
        return Cues(0.0, FIELD_PROBLEM)
    if (_AIM.search(sentence) and not _AIM_RESULT.search(sentence)
            and not any(q.unit in ("%", "x", "×") for q in stated)):  # "by 5%"
        return Cues(0.0, "aim: what the study set out to do, not a finding")
    if (_AIM_NOW.search(sentence) and not _AIM_RESULT.search(sentence)
            and not _RESULTING.search(sentence) and not numbers):
        return Cues(0.0, "aim: what the study set out to do, not a finding")
    if _FRAMING.search(sentence) and not numbers:
        return Cues(0.0, "framing: what the paper does next, not a finding")
    if study_design(sentence):
        score -= 1.0  # how the study was done: a claim only where nothing better is said
    return Cues(score)


def about_the_field(sentence: str) -> bool:
    """Whether the sentence speaks of the field's state ("recent studies", "existing methods",
    "have gained popularity"), not as what a result is compared with: "HASS outperforms
    existing methods by 8%" is a result."""
    found = _BACKGROUND.search(sentence)
    if found is None:
        return False
    compared = COMPARISON.search(sentence, 0, found.start())
    return compared is None


def study_design(sentence: str) -> bool:
    """Whether the sentence says how a study was done (who was enrolled, how they were
    allocated, what was measured or performed) and states no result: no result or
    limitation wording, no p-value, no "we found" or "observed that", no comparative stating
    a number ("was 9.4x smaller than BERT-base")."""
    return bool(_DESIGN.search(sentence) and not _RESULT.search(sentence)
                and not LIMITATION.search(sentence) and not _P_VALUE.search(sentence)
                and not _OBSERVED.search(sentence)
                and not (_COMPARED.search(sentence) and quantities(sentence)))


def introduces(sentence: str) -> bool:
    """Whether the sentence opens by naming its subject with an acronym (and maybe a word for
    its kind: "strategy", "method") and saying, in the present, what it is or does, with no
    "we" or "our" and no number ("Low-Rank Adaption (LoRA) offers a cost-effective fine-tuning
    solution ...", "The Low-Rank Adaptation (LoRA) strategy balances ...", "Multiple
    sclerosis (MS) is an immune-mediated ... disease"): it introduces the topic. Typed a definition, it ranks
    below the paper's results among an open question's key findings; it still counts for a
    yes/no answer, where it may state what the field holds ("Retrieval-Augmented Generation
    (RAG) has proven to be an effective method for mitigating hallucination")."""
    return bool(_INTRODUCES.search(sentence) and not _OWN_WORK.search(sentence)
                and not quantities(sentence))


# A sentence whose subject is something an earlier sentence named, after any linking words:
# "At the same time, the second approach has ...", "However, these methods often ...", "This
# issue becomes ...", "It also reduces ...", "Our experiments show that the first approach
# ...". "This paper shows ...", "These results suggest that ..." and "It is known that ..."
# read on their own.
_LINKING = (r"(?:(?:however|moreover|furthermore|additionally|in addition|specifically"
            r"|in particular|at the same time|in contrast|by contrast|instead|thus|therefore"
            r"|hence|consequently|as a result|finally|overall|notably|importantly|meanwhile"
            r"|also|similarly|likewise|nevertheless|nonetheless|still|yet|again|for instance"
            r"|for example|in practice|in turn|to this end),?\s+)*")
_REFERS_BACK = re.compile(
    r"^\W*" + _LINKING + r"(?:(?:our|the|these) (?:[\w-]+ )?(?:results|experiments|analys[ie]s"
    r"|evaluations?|findings) (?:show|showed|demonstrate|demonstrated|indicate|indicated"
    r"|suggest|suggested|reveal|revealed|confirm|confirmed)s? that\s+)?"
    r"(?:(?:this|these|those|such|both|either|neither)\s+(?!(?:paper"
    r"|work|study|article|survey|review|research|report|thesis|trial|analysis|investigation"
    r"|results?|findings?|data|experiments?|observations?|analyses|evaluations?|studies"
    r"|papers|works)\b)[a-z][\w-]*|the (?:first|second|third|fourth|former|latter|above"
    r"|aforementioned|same|resulting|two|three|four)\b|(?:it|they|its|their)\s+(?!is\b|was\b)"
    r"\w)", re.I)


def refers_back(sentence: str) -> bool:
    """Whether the sentence's subject is something an earlier sentence named ("the second
    approach has some improvements ...", "These methods often underperform ..."): read alone,
    as an answer's key finding, it does not say what it is about."""
    return bool(_REFERS_BACK.search(sentence))


_OPENS_WITH_METHOD = re.compile(
    r"^\W*(?:[^,.;]{1,100},\s+|(?:\w+\W+){0,5}?)(we (propose|introduce|present|develop|design)"
    r"|this (paper|work) "
    r"(proposes|introduces|presents))\b", re.I)


def claim_type(sentence: str) -> ClaimType:
    """Limitation, comparison, finding (a result, or any number), definition or method; a
    sentence that opens by proposing something and states no number, or that says how a
    study was done (:func:`study_design`), is a method; one that introduces its subject
    (:func:`introduces`) is a definition."""
    if (_OPENS_WITH_METHOD.search(sentence) and not quantities(sentence)) or study_design(sentence):
        return "method"
    if introduces(sentence):
        return "definition"
    if LIMITATION.search(sentence):
        return "limitation"
    if COMPARISON.search(sentence):
        return "comparison"
    if _RESULT.search(sentence) or quantities(sentence):
        return "finding"
    if _DEFINITION.search(sentence):
        return "definition"
    if METHOD.search(sentence):
        return "method"
    return "finding"


def invents_numbers(text: str, quote: str) -> bool:
    """Does ``text`` (a model's wording) state a number that its ``quote`` does not?"""
    return bool(numbers_not_in(text, quote))


def instruction_like(text: str) -> bool:
    """Text that addresses a language model ("ignore previous instructions ..."): it is never
    a claim, whichever extractor proposes it."""
    return bool(_INSTRUCTION.search(text))
