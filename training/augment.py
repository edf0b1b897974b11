"""Rule-made NLI pairs from finding sentences, to teach the verifier direction and negation.

The cross-encoder of :mod:`synth.verification.xenc` learns from Check-COVID's few thousand pairs, and on
SciFact it confuses support with contradiction: a claim that says "lowers" where the paper says
"raises" is scored much like one that agrees. Contradicting claims in the wild are mostly that
kind of edit, so this module makes pairs that isolate it, from sentences of abstracts whose
licences allow it (arXiv metadata is CC0; Check-COVID's corpus is MIT):

* **entailment**: the sentence, its reporting frame ("We show that ...") and parentheses
  removed and one word swapped for a synonym of the same direction (raises / increases), as
  the claim; the sentence itself as the premise;
* **contradiction**: that claim with one direction word swapped for its opposite (increase /
  decrease, higher / lower, outperforms / underperforms, ...) or its negation toggled;
* **neutral**: the same edited claim against *another* sentence of the same abstract, so that a
  negation or an opposite word by itself is not taken for a contradiction.

Deterministic for a seed. Used by :mod:`training.verifier`.
"""

from __future__ import annotations

import random
import re

from synth.claims.cues import claim_cues
from synth.parsing.chunk import sentence_spans

# One direction word and its opposite; applied as whole words, in both directions.
OPPOSITES = {
    "increase": "decrease", "increases": "decreases", "increased": "decreased",
    "increasing": "decreasing", "higher": "lower", "more": "less", "greater": "smaller",
    "larger": "smaller", "improve": "worsen", "improves": "worsens", "improved": "worsened",
    "improving": "worsening", "outperform": "underperform", "outperforms": "underperforms",
    "outperformed": "underperformed", "better": "worse", "faster": "slower",
    "superior": "inferior", "positive": "negative", "positively": "negatively",
    "upregulated": "downregulated", "upregulates": "downregulates", "activates": "inhibits",
    "activated": "inhibited", "promotes": "suppresses", "promoted": "suppressed",
    "enhances": "impairs", "enhanced": "impaired", "raises": "lowers", "raised": "lowered",
    "effective": "ineffective", "efficient": "inefficient", "accurate": "inaccurate",
    "stable": "unstable", "consistent": "inconsistent", "significant": "insignificant",
    "benefits": "harms", "gain": "loss", "gains": "losses", "above": "below",
    "maximum": "minimum", "strong": "weak", "stronger": "weaker", "easier": "harder",
    "reduces": "increases", "reduced": "increased", "reduce": "increase",
}
OPPOSITES |= {v: k for k, v in list(OPPOSITES.items()) if v not in OPPOSITES}
# Words of one meaning and form, swapped for one another to make an entailment that is not a
# verbatim copy: the model should learn that "raises" agrees with "increases" where "lowers"
# does not.
SYNONYMS = [
    ["increase", "raise", "elevate", "boost"], ["increases", "raises", "elevates", "boosts"],
    ["increased", "raised", "elevated", "boosted"], ["increasing", "raising", "boosting"],
    ["decrease", "reduce", "lower", "diminish"], ["decreases", "reduces", "lowers", "cuts"],
    ["decreased", "reduced", "lowered", "diminished"], ["decreasing", "reducing", "lowering"],
    ["higher", "greater", "larger"], ["smaller", "lower"], ["improves", "enhances"],
    ["improved", "enhanced"], ["improving", "enhancing"], ["improve", "enhance"],
    ["outperforms", "surpasses", "beats", "exceeds"], ["outperform", "surpass", "beat"],
    ["outperformed", "surpassed", "exceeded"], ["faster", "quicker"],
    ["significantly", "substantially", "markedly", "considerably"],
    ["significant", "substantial", "marked", "considerable"],
    ["promotes", "stimulates"], ["inhibits", "suppresses", "blocks"],
    ["inhibited", "suppressed", "blocked"], ["shows", "demonstrates", "reveals"],
    ["showed", "demonstrated", "revealed"], ["associated with", "linked to", "correlated with"],
]
_SYNONYM_OF = {w: group for group in SYNONYMS for w in group}
_REWORDABLE = re.compile(r"\b(" + "|".join(sorted(_SYNONYM_OF, key=len, reverse=True))
                         + r")\b", re.I)
# Negation toggles, tried in order; the first that applies is used.
NEGATIONS = [
    (r"\b(is|are|was|were|can|could|will|would|should|may|might|does|do|did|has|have|had)"
     r" not\b", r"\1"),
    (r"\bcannot\b", "can"), (r"\bno significant\b", "a significant"),
    (r"\bnot\b ", ""),
    (r"\b(is|are|was|were|can|could|will|would|should|may|might)\b(?! not)", r"\1 not"),
    (r"\b(shows|show|showed|leads to|led to|results in|resulted in|yields|yielded)\b",
     lambda m: {"shows": "does not show", "show": "do not show", "showed": "did not show",
                "leads to": "does not lead to", "led to": "did not lead to",
                "results in": "does not result in", "resulted in": "did not result in",
                "yields": "does not yield", "yielded": "did not yield"}[m.group(1)]),
]
_FRAME = re.compile(
    r"^(?:(?:in (?:this|our) (?:paper|work|study)|here|overall|in addition|additionally|"
    r"furthermore|moreover|however|finally|importantly|notably|specifically|in summary|"
    r"in conclusion|taken together|together|thus|therefore|results?|conclusions?)[,:]?\s+)*"
    r"(?:(?:we|our (?:results|findings|experiments|analysis|analyses|data)|these (?:results|"
    r"findings|data)|this (?:study|work|paper)|the results|experiments|results)\s+"
    r"(?:\w+ )?(?:show|shows|showed|demonstrate|demonstrates|demonstrated|find|found|"
    r"observe|observed|suggest|suggests|suggested|indicate|indicates|indicated|reveal|"
    r"reveals|revealed|confirm|confirms|confirmed)\s+that\s+)?", re.I)
_PARENS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_DIRECTION = re.compile(r"\b(" + "|".join(sorted(OPPOSITES, key=len, reverse=True)) + r")\b",
                        re.I)
# Sentences that state an aim or a method rather than a finding: never used.
_NOT_A_FINDING = re.compile(
    r"^(to|in order to|we (propose|introduce|present|explore|investigate|study|describe)|"
    r"this (paper|work|study) (proposes|introduces|presents|explores|investigates|studies))\b|"
    r"\b(we|this (paper|work|study)) (propose|introduce|present|explore|investigate)",
    re.I)
MIN_WORDS, MAX_WORDS = 6, 45


def finding(sentence: str) -> bool:
    """A sentence that states a result in a direction (the only kind worth flipping)."""
    return (claim_cues(sentence).score >= 1.0 and not _NOT_A_FINDING.search(sentence)
            and bool(_directions(sentence)))


def _directions(text: str) -> list[re.Match]:
    """Direction words, less those in "to better understand" and the like."""
    return [m for m in _DIRECTION.finditer(text)
            if not text[:m.start()].rstrip().lower().endswith(" to")]


def claim_from(sentence: str) -> str | None:
    """The sentence as a claim: reporting frame and parentheses gone; None if too short/long."""
    text = _PARENS.sub("", _FRAME.sub("", sentence.strip(), count=1)).strip()
    if not text:
        return None
    text = text[0].upper() + text[1:]
    n = len(_WORD.findall(text))
    return text if MIN_WORDS <= n <= MAX_WORDS else None


def _match_case(word: str, like: str) -> str:
    return word.capitalize() if like[0].isupper() else word


def flip(claim: str, rng: random.Random) -> str | None:
    """The claim with one direction word swapped, or else its negation toggled."""
    found = _directions(claim)
    if found:
        m = rng.choice(found)
        word = OPPOSITES[m.group(1).lower()]
        return claim[:m.start()] + _match_case(word, m.group(1)) + claim[m.end():]
    for pattern, repl in NEGATIONS:
        flipped, n = re.subn(pattern, repl, claim, count=1, flags=re.I)
        if n:
            return flipped
    return None


def reword(claim: str, rng: random.Random) -> str:
    """The claim with one word swapped for a synonym of the same form (unchanged if none)."""
    found = list(_REWORDABLE.finditer(claim))
    if not found:
        return claim
    m = rng.choice(found)
    word = rng.choice([w for w in _SYNONYM_OF[m.group(1).lower()] if w != m.group(1).lower()])
    return claim[:m.start()] + _match_case(word, m.group(1)) + claim[m.end():]


def synthetic_pairs(abstracts: list[str], limit: int, seed: int = 13
                    ) -> tuple[list[tuple[str, str]], list[str]]:
    """(claim, premise) pairs and their labels ("entailment" / "neutral" / "contradiction"):
    three per usable sentence (see the module docstring), at most ``limit`` sentences, drawn
    from ``abstracts`` in a seeded order."""
    rng = random.Random(seed)
    order = list(range(len(abstracts)))
    rng.shuffle(order)
    pairs: list[tuple[str, str]] = []
    labels: list[str] = []
    used = 0
    for i in order:
        text = abstracts[i]
        sentences = [text[s:e] for s, e in sentence_spans(text)]
        if len(sentences) < 3:
            continue
        findings = [k for k, s in enumerate(sentences) if finding(s)]
        if not findings:
            continue
        j = rng.choice(findings)
        claim = claim_from(sentences[j])
        flipped = flip(claim, rng) if claim else None
        if not flipped or flipped == claim:
            continue
        words = {w.lower() for w in _WORD.findall(claim)}
        others = [s for k, s in enumerate(sentences)
                  if k != j and len(_WORD.findall(s)) >= MIN_WORDS
                  and len(words & {w.lower() for w in _WORD.findall(s)}) < 0.5 * len(words)]
        if not others:
            continue
        other = rng.choice(others)
        pairs += [(reword(claim, rng), sentences[j]), (flipped, sentences[j]),
                  (flipped, other)]
        labels += ["entailment", "contradiction", "neutral"]
        used += 1
        if used >= limit:
            break
    return pairs, labels
