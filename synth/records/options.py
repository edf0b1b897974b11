"""The options of one run of the pipeline, as one typed record.

``max_papers`` and ``source`` shape the report and are recorded in it (``Report.options``),
so a batch line or a regenerated report reruns with the same ones; ``budget`` caps the LLM
spend of this run only. This module imports nothing from synth.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AskSource = Literal["library", "arxiv", "both"]


class RunOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_papers: int = Field(5, ge=1, le=100, description="papers to keep after the screen")
    source: AskSource = Field("both", description="where to look; 'both' falls back to the "
                              "library when arXiv cannot be reached")
    budget: float | None = Field(None, ge=0, description="cap on LLM spend in USD; past it the "
                                 "run goes on offline")

    def recorded(self) -> dict[str, object]:
        """The options a report records (and its id is made from)."""
        return {"max_papers": self.max_papers, "source": self.source}
