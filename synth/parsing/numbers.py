"""Numbers stated in text, with their units ("12.5%", "3.2x", "40 ms", "1.5B").

:func:`quantities` parses them (figure, table, section and citation numbers and bare years left
out); :func:`numbers_not_in` lists those a text states and its source does not (an invented
number); :func:`numbers_agree` tells whether two sentences that both state numbers share one, which
is what makes a second paper's sentence the same finding rather than the same topic. Used by the
claim extractors, the digest cards and the verifier's corroboration.
"""

from __future__ import annotations

import re

from synth.records.claims import Quantity

CITATION = re.compile(r"\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]|\(\s*[A-Z][A-Za-z-]+(?: et al\.)?"
                      r"(?: and [A-Z][A-Za-z-]+)?,? (?:19|20)\d\d[a-z]?\s*[;)]|\bet al\.")
_UNIT = (r"%|percent(?:age points?)?|pp|×|x(?![a-z])|ms|µs|us(?![a-z])|s(?![a-z])|sec(?:onds?)?"
         r"|min(?:utes?)?|h(?:ours?)?(?![a-z])|days?|weeks?|months?|years?|[kKMGT]B|[kKMB]"
         r"(?![a-z])|billion|million|thousand|tokens?|params?|parameters?|points?|fold"
         r"|epochs?|steps?|samples?|patients?|participants?|subjects?|cases?|mg|kg|g(?![a-z])"
         r"|mm|cm|km|m(?![a-z])|°C|Hz|kHz|MHz|GHz|FLOPs?|BLEU|ROUGE(?:-[L\d])?|F1|AUC|EM")
_NUMBER = re.compile(
    rf"(?<![\w.])([$€£])?([-+−]?\d+(?:,\d{{3}})*(?:\.\d+)?)(?:\s?({_UNIT}))?(?![^\W_])")
_NOT_A_QUANTITY = re.compile(r"(fig(ure)?|table|tab|section|sec|eq(uation)?|appendix|step|"
                             r"chapter|algorithm|line|version|v)\.?\s*\(?$", re.I)


def quantities(text: str) -> list[Quantity]:
    """Numbers stated in ``text`` with their units; figure, table, section and citation
    numbers, enumeration markers ("(1)", "2)") and bare years are left out."""
    found: list[Quantity] = []
    text = CITATION.sub(lambda m: " " * len(m.group(0)), text)
    for m in _NUMBER.finditer(text):
        currency, number, unit = m.groups()
        before = text[:m.start()]
        if (_NOT_A_QUANTITY.search(before) or before.rstrip().endswith("[")
                or re.search(r"[A-Za-z]-$|@$", before)):  # GPT-4, ROUGE-2, recall@20
            continue
        if (unit is None and not currency and re.match(r"\d\)", text[m.start(2):])
                and re.search(r"(^|[(:;,.]|\band|\bor)\s*$", before)):
            continue  # an enumeration marker: "(1)", "i) ... 2)"
        unit = f"{currency} {unit}" if currency and unit else currency or unit
        value = float(number.replace(",", "").replace("−", "-"))
        if unit is None and value.is_integer() and 1900 <= value <= 2099:
            continue  # a year
        found.append(Quantity(value=value, unit=unit, text=m.group(0)))
    return found


def numbers_not_in(text: str, source: str) -> list[Quantity]:
    """The numbers ``text`` states that ``source`` does not (by value)."""
    stated = {q.value for q in quantities(source)}
    return [q for q in quantities(text) if q.value not in stated]


def numbers_agree(text: str, other: str) -> bool:
    """False when both texts state numbers and none agree (the same topic, not the same
    finding); True when either states none."""
    stated = {q.value for q in quantities(text)}
    theirs = {q.value for q in quantities(other)}
    return not stated or not theirs or bool(stated & theirs)
