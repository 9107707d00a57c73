"""The house rules of docs/architecture.md, read from the source: every stage imports only the
stages before it, no module imports itself back through another (lazy imports inside functions
included), and no Python file is over about 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "stackparse"

#: The largest a Python file of the repository may be ("about 600 lines").
MAX_LINES = 620

#: Stage -> the stages it must never import (the pipeline runs left to right:
#: model -> parsing -> analysis -> render -> cli; diff and fleet sit beside render).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "stackparse.model": ("stackparse.parsing", "stackparse.analysis", "stackparse.render", "stackparse.cli"),
    "stackparse.parsing": (
        "stackparse.analysis",
        "stackparse.render",
        "stackparse.cli",
        "stackparse.fleet",
        "stackparse.diff",
    ),
    "stackparse.analysis": ("stackparse.render", "stackparse.cli", "stackparse.fleet", "stackparse.diff"),
    "stackparse.render": ("stackparse.cli", "stackparse.fleet"),
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        parts = p.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def import_graph() -> nx.DiGraph:
    """module -> module it imports (at module level or inside a function), within the package."""
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # "from . import x" names a module x when there is one, else a name of the package
                found = [t for t in (f"{target}.{a.name}" for a in node.names) if t in mods]
                found = found or ([target] if target in mods else [])
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names if a.name in mods]
            else:
                continue
            g.add_edges_from((name, t) for t in found if t != name and not name.startswith(t + "."))
    return g


def test_import_graph_sees_the_package() -> None:
    g = import_graph()
    # a known edge and a known absence, so that an empty graph cannot pass the tests below
    assert g.has_edge("stackparse.analysis.api", "stackparse.analysis.graph")
    assert g.number_of_edges() > 100
    assert not g.has_edge("stackparse.model", "stackparse.parsing.api")


def test_no_import_cycle() -> None:
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], f"import cycles: {cycles[:5]}"


@pytest.mark.parametrize("stage", sorted(FORBIDDEN))
def test_stage_imports_only_earlier_stages(stage: str) -> None:
    g = import_graph()
    bad = [
        (a, b)
        for a, b in g.edges
        if (a == stage or a.startswith(stage + "."))
        and any(b == f or b.startswith(f + ".") for f in FORBIDDEN[stage])
    ]
    assert bad == [], f"{stage} imports a later stage: {bad}"


def _python_files() -> list[Path]:
    skip = {".git", ".venv", "venv", "build", "dist", "node_modules"}
    return [p for p in ROOT.rglob("*.py") if not skip.intersection(p.relative_to(ROOT).parts)]


def test_no_python_file_over_about_600_lines() -> None:
    files = _python_files()
    assert len(files) > 50
    long = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_bytes().splitlines())) > MAX_LINES}
    assert long == {}, f"over {MAX_LINES} lines: {long}"
