"""Estimated cost of LLM calls, from a price table users can edit.

The shipped table (``synth/data/prices.json``) maps model names to USD per million input and
output tokens. ``$SYNTH_HOME/prices.json``, in the same format, adds models or overrides
prices. A model served from this machine (base URL on 127.0.0.1, ::1 or localhost) costs 0.
Any other model that neither file names has an unknown cost: ``None``, shown as "unknown",
never a guess.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from synth.config import load_user_file
from synth.records.incoming import PriceTable

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "prices.json"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def load_prices(home: Path) -> dict[str, tuple[float, float]]:
    table: dict[str, tuple[float, float]] = {}
    for path in (SHIPPED, home / "prices.json"):
        if not path.is_file():
            continue
        checked = load_user_file(path, PriceTable, "price table",
                                 '{"model": [usd_per_m_input, usd_per_m_output]} with prices '
                                 "of 0 or more")
        table.update({name: (float(p[0]), float(p[1])) for name, p in checked.prices.items()})
    return table


def price_of(model: str, base_url: str, table: dict[str, tuple[float, float]]
             ) -> tuple[float, float] | None:
    if model in table:
        return table[model]
    if urlparse(base_url).hostname in LOCAL_HOSTS:
        return (0.0, 0.0)
    return None


def cost(tokens_in: int, tokens_out: int, price: tuple[float, float] | None) -> float | None:
    if price is None:
        return None
    return (tokens_in * price[0] + tokens_out * price[1]) / 1e6
