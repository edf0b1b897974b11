"""The reference docs are generated from the code and must be current: the command reference
(docs/commands.md) and the JSON schemas (docs/schemas). Regenerate them with
``python scripts/cli_reference.py > docs/commands.md`` and ``python scripts/json_schemas.py``.
The README stays a front door: at most about 250 lines."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_reference_is_current():
    want = script("cli_reference").reference()
    assert (ROOT / "docs" / "commands.md").read_text() == want, (
        "docs/commands.md is stale: python scripts/cli_reference.py > docs/commands.md")


def test_json_schemas_are_current():
    schemas = script("json_schemas")
    for name, model in schemas.SCHEMAS.items():
        path = ROOT / "docs" / "schemas" / f"{name}.json"
        assert path.read_text() == schemas.schema_text(model), (
            f"{path.name} is stale: python scripts/json_schemas.py")


def test_readme_is_a_front_door_and_its_links_resolve():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), f"README links to missing {target}"


def test_product_text_never_speaks_of_issues():
    texts = [p for p in ROOT.glob("synth/**/*") if p.suffix in (".py", ".j2")]
    texts += [ROOT / "README.md", *ROOT.glob("docs/*.md")]
    leaks = [str(p.relative_to(ROOT)) for p in texts
             if re.search(r"\bissues? \d+|\(issue\b|the issue asks", p.read_text(), re.I)]
    assert not leaks, leaks
