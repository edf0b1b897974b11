"""Numbers in text (synth.parsing.numbers): what counts as a stated quantity, and when two
sentences' numbers agree."""

from __future__ import annotations

import pytest

from synth.parsing.numbers import numbers_agree, quantities


@pytest.mark.parametrize(("text", "found"), [
    ("Memory falls by 70% (2.1x) at 4 bits.", [(70.0, "%"), (2.1, "x"), (4.0, None)]),
    ("It costs $3 million and 40 ms per query.", [(3.0, "$ million"), (40.0, "ms")]),
    ("See Table 2 and Figure 3, as in 2021 [12].", []),
    ("We review (1) adaptation; (2) generalization, and 3) privacy.", []),
    ("Accuracy (85) rose to 91 after 10 epochs.", [(85.0, None), (91.0, None), (10.0, "epochs")]),
    ("GPT-4 beats ROUGE-2 and recall@20 baselines.", []),
])
def test_quantities_are_stated_numbers_only(text, found) -> None:
    assert [(q.value, q.unit) for q in quantities(text)] == found


def test_numbers_agree_only_when_one_is_shared() -> None:
    claim = "The kernel is 1.10-2.64x faster."
    assert numbers_agree(claim, "Their kernel is 2.64x faster.")
    assert not numbers_agree(claim, "Their kernel is 1.14-14.3x faster.")
    assert numbers_agree(claim, "The kernel is faster.")
    assert numbers_agree("The kernel is faster.", "It is 3x faster.")
