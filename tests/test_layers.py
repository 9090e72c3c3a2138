"""The dependency directions of STYLE.md, checked on every module's imports (including lazy ones)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sula"

L0 = {"errors", "config", "_fs", "_once", "_warnings", "_span", "_version", "_archive"}

# subpackage -> the sula subpackages it may import (besides itself and L0).
ALLOWED: dict[str, set[str]] = {
    **{m: set() for m in L0},
    "distribution": set(),
    "requirements": {"distribution"},
    "cache": {"distribution"},
    "interpreter": {"cache", "distribution"},
    "git": set(),
    "venv": {"interpreter", "cache", "distribution"},
    "client": {"cache", "distribution"},
    "context": {"distribution", "cache", "interpreter"},
    "builder": {"context", "interpreter", "venv", "distribution", "cache"},
    "database": {"client", "cache", "git", "context", "distribution"},
    "resolver": {"database", "client", "context", "interpreter", "requirements", "distribution", "cache"},
    "installer": {"database", "client", "cache", "interpreter", "context", "distribution"},
    "dispatch": {"resolver", "installer", "builder", "venv", "database", "client", "context",
                 "interpreter", "requirements", "distribution", "cache", "git"},
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "sula" and len(parts) > 1:
                found.add(".".join(parts[1:3]) if parts[1] == "resolver" else parts[1])
    return found


def _owner(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts
    if parts[0] == "resolver" and len(parts) > 1 and parts[1] == "pubgrub":
        return "resolver.pubgrub"
    return parts[0]


def test_dependency_directions() -> None:
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        owner = _owner(path)
        if owner in ("cli", "__init__", "__main__"):
            continue
        for target in sorted(_imports(path)):
            top = target.split(".")[0]
            if owner == "resolver.pubgrub":
                ok = target == "resolver.pubgrub" or top == "errors"
            else:
                base = owner.split(".")[0]
                ok = top in L0 or top == base or top in ALLOWED.get(base, set())
            if not ok:
                problems.append(f"{path.relative_to(ROOT.parent)}: {owner} imports sula.{target}")
    assert not problems, "\n".join(problems)
