"""Helpers shared by the bench scripts: where the data lives, a library folder, timing and
ranking metrics. Data is always read in place from ``../shared/data``; nothing is copied."""

from __future__ import annotations

import math
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

# The checkout's root, so a benchmark run as `python bench/NAME.py` can import training/ too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "out"


@contextmanager
def library_home(home: Path | None, prefix: str) -> Iterator[Path]:
    """``home`` itself when given (kept, so its embeddings are reused), else a temp folder."""
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        yield home
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


@contextmanager
def pdf_library(home: Path, **settings: object) -> Iterator[tuple]:
    """(store, settings) of a library at ``home`` holding the 11 test PDFs of
    ``../shared/data/arxiv-pdfs``; ``settings`` override the defaults (an LLM, say)."""
    from synth.config import load_settings
    from synth.library.ingest import ingest
    from synth.store.db import open_store

    config = load_settings(env={}, home=home, **settings)
    with open_store(config.db_path) as store:
        ingest(store, config, [str(DATA / "arxiv-pdfs")])
        yield store, config


class Timer:
    """``with Timer() as t: ...; t.seconds``"""

    seconds: float = 0.0

    def __enter__(self) -> Self:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def distinct(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats (passage ranking -> document ranking)."""
    return list(dict.fromkeys(items))


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k."""
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0
