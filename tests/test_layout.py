"""The package's shape: stage packages whose docstrings say what they may import, and true;
no import cycle between any two modules; runtime code never imports the training code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import synth

PACKAGE = Path(synth.__file__).parent
TOP_LEVEL = {"synth", "synth.errors", "synth.config", "synth.cli", "synth.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path) -> set[str]:
    """Every synth or training module ``path`` imports, at any depth of its code (imports
    inside functions and under TYPE_CHECKING count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n.split(".")[0] in ("synth", "training")}
    return found


def package_of(module: str) -> str:
    return module if module in TOP_LEVEL else ".".join(module.split(".")[:2])


def may_import(package: str) -> set[str] | None:
    """The packages a stage package's docstring allows (None: any but the CLI)."""
    doc = ast.get_docstring(ast.parse((PACKAGE / package.split(".")[1] / "__init__.py")
                                      .read_text())) or ""
    match = re.search(r"May import: (.*?)(?:\n\n|$)", doc, re.S)
    assert match, f"{package}'s docstring does not say what it may import"
    text = re.sub(r"\([^)]*\)", "", " ".join(match.group(1).split()))
    if text.startswith("any synth package"):
        return None
    return {w.strip(" .,") for w in text.split(",") if w.strip().startswith("synth")}


def test_every_stage_package_imports_only_what_its_docstring_allows():
    known = set(modules())
    wrong = []
    for name, path in modules().items():
        package = package_of(name)
        if package in TOP_LEVEL:
            continue
        allowed = may_import(package)
        for target in imports(path):
            module = target if target in known else target.rpartition(".")[0]
            other = package_of(module)
            if other == package or module == "synth" and allowed and "synth" in allowed:
                continue
            if other == "synth.cli" or allowed is not None and other not in allowed:
                wrong.append(f"{name} imports {module}")
    assert not wrong, "\n".join(wrong)


def find_cycles(graph: dict[str, set[str]]) -> list[str]:
    """Every cycle a depth-first walk of ``graph`` meets, as 'a -> b -> a'."""
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_cycle_between_modules():
    known = set(modules())
    graph = {name: {t if t in known else t.rpartition(".")[0] for t in imports(path)}
             & known - {name} for name, path in modules().items()}
    cycles = find_cycles(graph)
    assert not cycles, "\n".join(cycles)


def test_runtime_code_never_imports_the_training_code():
    leaks = [f"{name} imports {t}" for name, path in modules().items()
             for t in imports(path) if t.startswith("training")]
    assert not leaks, "\n".join(leaks)


def test_the_cycle_check_finds_a_cycle_and_passes_a_chain(tmp_path):
    a = tmp_path / "a.py"
    a.write_text("from synth.x import y\nimport training.z\n\ndef f():\n    import synth.w\n")
    assert imports(a) == {"synth.x", "synth.x.y", "training.z", "synth.w"}
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a -> b -> c -> a"]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
