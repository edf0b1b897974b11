"""A stored report's files: the report in each format asked for, and the digest cards of its
kept papers (Markdown and HTML, which the report's references link to), written the same way
by ``synth ask``, ``synth batch --out`` and ``synth regenerate --out``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.cards.card import write_cards
from synth.config import Settings
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
    files = write(report, out, formats)
    kept = [p.paper_id for p in report.papers if p.kept]
    card_formats = [f for f in formats if f != "json"]
    card_files = write_cards(store, settings, kept, out, card_formats) if card_formats else []
    return Published(files, len(kept) if card_files else 0, card_files)
