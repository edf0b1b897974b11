"""A stored report's files: the report in each format asked for, and the digest cards of its
kept papers (Markdown and HTML, which the report's references link to), written the same way
by ``synth ask``, ``synth batch --out`` and ``synth regenerate --out``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.cards.card import write_cards
from synth.config import Settings
from synth.errors import OutputError
from synth.records.reports import Report
from synth.report.render import write
from synth.store.db import Store


@dataclass(frozen=True)
class Published:
    files: list[Path]
    cards: int  # papers with a card written (each in every linked format)
    card_files: list[Path]


def publish(store: Store, settings: Settings, report: Report, out: Path,
            formats: list[str]) -> Published:
    """Write the files; a file that cannot be written is one line that says the report
    itself is stored and how to write its files again."""
    try:
        files = write(report, out, formats)
        kept = [p.paper_id for p in report.papers if p.kept]
        card_formats = [f for f in formats if f != "json"]
        card_files = write_cards(store, settings, kept, out, card_formats) if card_formats else []
    except OutputError as err:
        raise OutputError(err.message, f"report {report.id} v{report.version} is stored: "
                          f"free disk space, then `synth regenerate {report.id} --out DIR`, or "
                          f"`synth show {report.id}`") from None
    return Published(files, len(kept) if card_files else 0, card_files)
