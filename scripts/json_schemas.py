"""Write docs/schemas/*.json: the JSON Schema of every record synth prints as JSON, from the
pydantic models themselves.

    python scripts/json_schemas.py

tests/test_docs.py checks that the files are current.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from synth.records.cards import Card
from synth.records.claims import Extraction
from synth.records.papers import Hit
from synth.records.reports import Report
from synth.records.verdicts import Verdict

SCHEMAS: dict[str, type[BaseModel]] = {"report": Report, "verdict": Verdict, "card": Card,
                                       "hit": Hit, "extraction": Extraction}
FOLDER = Path(__file__).resolve().parents[1] / "docs" / "schemas"


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, model in SCHEMAS.items():
        (FOLDER / f"{name}.json").write_text(schema_text(model))
        print(f"wrote docs/schemas/{name}.json")
