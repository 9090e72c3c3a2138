"""The dependency directions of STYLE.md, checked on every module's imports (including lazy ones)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sula"
DOC = ROOT.parent / "docs" / "architecture.md"


def _table() -> tuple[set[str], dict[str, set[str]]]:
    """The L0 modules and ``package -> packages it may import`` of docs/architecture.md's
    dependency table (the contract this test enforces)."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split("## Dependency table", 1)[1]
    l0: set[str] = set()
    allowed: dict[str, set[str]] = {}
    for line in body.splitlines():
        if not line.startswith("| ") or line.startswith(("| package", "| ---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        names = [n.strip() for n in cells[0].split(",")]
        targets = {t.strip() for t in cells[1].split(",") if t.strip() and not t.strip().startswith("(")}
        if cells[1].startswith("(L0"):
            l0.update(names)
            continue
        for name in names:
            allowed[name] = targets
    return l0, allowed


L0, ALLOWED = _table()


def _module(path: Path) -> list[str]:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    module = _module(path)
    package = module if path.name == "__init__.py" else module[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            # A relative import, resolved against the importing module's package.
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            prefix = ".".join(base + ([node.module] if node.module else []))
            names = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
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
                ok = target == "resolver.pubgrub" or top in ("errors", "_record", "_log")
            else:
                base = owner.split(".")[0]
                ok = top in L0 or top == base or top in ALLOWED.get(base, set())
            if not ok:
                problems.append(f"{path.relative_to(ROOT.parent)}: {owner} imports sula.{target}")
    assert not problems, "\n".join(problems)


def test_the_table_names_every_package() -> None:
    """Every package and top-level module of sula has a row, and every row exists."""
    present = {p.name for p in ROOT.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    present |= {p.stem for p in ROOT.glob("*.py") if p.stem not in ("__init__", "__main__")}
    present.add("resolver.pubgrub")
    rows = L0 | set(ALLOWED) | {"resolver.pubgrub", "cli"}
    assert sorted(present - rows) == [], "packages missing from docs/architecture.md's table"
    assert sorted(rows - present) == [], "rows of docs/architecture.md's table that do not exist"
