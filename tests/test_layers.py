"""The layers docs/architecture.md draws, checked on every import of the package.

The page's "Layers" block lists the package one layer a line, highest first; a module may import
only from its own layer or the layers below it. Every import counts: module-level, inside a function
(deferred for speed) and under ``TYPE_CHECKING``, since each is a dependency a reader must follow.
No two modules may import each other, directly or round a longer circle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backprop_tutor"
PAGE = ROOT / "docs" / "architecture.md"

#: Circles still open, each with what removes it; the test fails once one is gone, so its line goes too.
OPEN_CIRCLES: set[frozenset[str]] = set()


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The package's modules that ``path`` imports anywhere in it (``from pkg import mod`` names the module)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(path, set(found)) for name, path in found.items()}


def layers() -> list[list[str]]:
    """The page's Layers block, lowest layer first: each a list of module prefixes (``backprop_tutor.engine``)."""
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"^## Layers\n.*?^```text\n(.*?)^```", text, re.S | re.M)
    assert block, f"{PAGE.relative_to(ROOT)} has no '## Layers' section with a ```text block"
    out = []
    for line in block[1].splitlines()[::-1]:
        entries = [e for e in line.split() if e.endswith(("/", ".py"))]
        out.append([prefix(e) for e in entries])
    return [layer for layer in out if layer]


def prefix(entry: str) -> str:
    """``trace/store.py`` → backprop_tutor.trace.store, ``engine/`` → backprop_tutor.engine, ``__init__.py``: root."""
    parts = entry.removesuffix("/").removesuffix(".py").split("/")
    return ".".join(["backprop_tutor", *[p for p in parts if p != "__init__"]])


def layer_of(module: str, drawn: list[list[str]]) -> int | None:
    """The layer (0: lowest) of the longest prefix naming ``module``."""
    matches = [(len(p), rank) for rank, layer in enumerate(drawn) for p in layer
               if module == p or (module.startswith(p + ".") and p != "backprop_tutor")]
    return max(matches)[1] if matches else None


def circles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = {stack.pop()}
                while node not in group:
                    group.add(stack.pop())
                if len(group) > 1:
                    out.append(frozenset(group))
    return out


def test_every_module_has_a_layer_on_the_architecture_page():
    drawn = layers()
    missing = sorted(m for m in modules() if layer_of(m, drawn) is None)
    assert not missing, f"place these in the Layers block of {PAGE.relative_to(ROOT)}: {', '.join(missing)}"


def test_no_module_imports_a_higher_layer():
    drawn = layers()
    upward = [f"{m} (layer {layer_of(m, drawn)}) imports {t} (layer {layer_of(t, drawn)})"
              for m, targets in graph().items() for t in sorted(targets)
              if (layer_of(t, drawn) or 0) > (layer_of(m, drawn) or 0)]
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_no_import_circle_remains():
    found = set(circles(graph()))
    assert found <= OPEN_CIRCLES, "import circles: " + "; ".join(" ↔ ".join(sorted(c)) for c in found - OPEN_CIRCLES)
    assert OPEN_CIRCLES <= found, f"gone, so take it out of OPEN_CIRCLES: {OPEN_CIRCLES - found}"


def test_the_check_sees_an_upward_import_and_a_circle_in_a_deferred_import(tmp_path):
    # a function-level import counts as much as one at the top of the file
    pkg = tmp_path / "backprop_tutor"
    (pkg / "engine").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "engine" / "__init__.py").write_text("")
    (pkg / "engine" / "a.py").write_text("def f():\n    from backprop_tutor.cli import main\n")
    (pkg / "engine" / "b.py").write_text("from . import a\n")
    (pkg / "engine" / "c.py").write_text("from backprop_tutor.engine.b import x\n")
    known = {"backprop_tutor", "backprop_tutor.cli", "backprop_tutor.engine",
             *(f"backprop_tutor.engine.{m}" for m in "abc")}
    found = {module_name(p, tmp_path): imports(p, known, tmp_path) for p in sorted(pkg.rglob("*.py"))}
    assert found["backprop_tutor.engine.a"] == {"backprop_tutor.cli"}
    assert found["backprop_tutor.engine.b"] == {"backprop_tutor.engine.a"}
    assert found["backprop_tutor.engine.c"] == {"backprop_tutor.engine.b"}
    assert circles({"x": {"y"}, "y": {"z"}, "z": {"x"}, "w": {"x"}}) == [frozenset("xyz")]
    drawn = [["backprop_tutor.engine"], ["backprop_tutor.cli"]]
    assert layer_of("backprop_tutor.engine.a", drawn) == 0 < layer_of("backprop_tutor.cli", drawn)
