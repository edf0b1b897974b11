"""Paper text as a reader sees it: LaTeX shown as text in Markdown and HTML, while the stored
quote (and the JSON) keep the exact characters at their span."""

from __future__ import annotations

import pytest

from synth.report.render import cited, detex, md


@pytest.mark.parametrize(("tex", "shown"), [
    (r"saves \(35\%\) memory", "saves 35% memory"),
    (r"1.14\(\times\) faster", "1.14× faster"),
    (r"by 15.81\\(\times\\) (16.95\\(\times\\))", "by 15.81× (16.95×)"),  # escaped twice
    (r"a speedup of $2.5\times$", "a speedup of 2.5×"),
    (r"\textbf{SpecExec} reaches \(\sim\)10 tokens", "SpecExec reaches ~10 tokens"),
    ("costs $5 and $10", "costs $5 and $10"),  # prices are not math
    (r"an unknown \foo{command}", r"an unknown \foo{command}"),  # left as written
])
def test_latex_is_shown_as_text(tex: str, shown: str) -> None:
    assert detex(tex) == shown


def test_markdown_shows_latex_as_text_and_links_citations() -> None:
    assert md(r"up to 1.14\(\times\) faster [1]") == "up to 1.14× faster \\[1\\]"
    assert cited("Yes: 1 paper supports it [C3].") == "Yes: 1 paper supports it [C3](#c3)."
