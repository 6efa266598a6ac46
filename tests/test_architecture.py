"""The house runs one way: core -> data -> models -> report -> web -> cli.

An AST walk over ``src/flowdesk`` collects every import of a flowdesk module,
including imports inside functions and under ``TYPE_CHECKING`` (a lazy import
is still a dependency), and checks that

* no module sits in an import circle (no strongly connected component larger
  than one module),
* no module imports a module of a higher layer,
* model code never imports the drawing or serving libraries,
* nothing inside the package imports the root ``flowdesk`` facade.

The layer table is the one in ``docs/architecture.md``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Layer of each top-level part of the package (``flowdesk.<part>``), lowest first.
LAYERS: dict[str, int] = {
    **dict.fromkeys(
        ("errors", "config", "dates", "jsontools", "lazy", "results", "stats", "memo", "models",
         "_version", "output_paths", "machine", "formatting", "i18n", "threads"), 0),
    **dict.fromkeys(("data", "calendars"), 1),
    **dict.fromkeys(("flows", "vol", "policy", "macro", "sim", "drivers", "overview",
                     "validation"), 2),
    "report": 3,
    "web": 4,
    **dict.fromkeys(("cli", "__main__"), 5),
}
LAYER_NAMES = ("core", "data", "models", "report", "web", "cli")

#: Third-party libraries that belong to the report/web/cli layers only.
PRESENTATION = ("plotly", "jinja2", "fastapi", "starlette", "uvicorn", "typer", "rich")


def _modules(src: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is_package) for every ``.py`` file under ``src``."""
    found = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def _imported_names(tree: ast.AST, package: str) -> Iterator[tuple[str, str | None]]:
    """``(module, name)`` for every import anywhere in ``tree``; ``name`` for ``from`` imports.

    ``from a.b import c`` may import the module ``a.b.c`` or the name ``c`` of
    ``a.b``: the caller decides, knowing which modules exist.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield base, alias.name


def import_graph(src: Path, root: str = "flowdesk") -> tuple[dict[str, set[str]], list[str]]:
    """Module -> flowdesk modules it imports, and the third-party imports as ``module:name``."""
    modules = _modules(src)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {name: set() for name in modules}
    external = []
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for imported, member in _imported_names(tree, package):
            if imported == root or imported.startswith(root + "."):
                submodule = f"{imported}.{member}"
                target = submodule if submodule in modules else resolve(imported)
                if target is not None and target != name:
                    edges[name].add(target)
            else:
                external.append(f"{name}:{imported.split('.')[0]}")
    return edges, external


def circles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_of(module: str) -> int | None:
    """Layer number of ``flowdesk.<part>...`` (``None`` for the root facade)."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    return LAYERS.get(parts[1], -1)


def upward_imports(edges: Mapping[str, set[str]]) -> list[str]:
    """``a -> b`` for every import of a higher layer (the root facade may import anything)."""
    found = []
    for module, targets in edges.items():
        own = layer_of(module)
        if own is None:
            continue
        for target in sorted(targets):
            other = layer_of(target)
            if other is None or other > own:
                found.append(f"{module} ({LAYER_NAMES[own]}) -> {target}")
    return found


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, set[str]], list[str]]:
    return import_graph(SRC)


def test_every_module_has_a_layer(graph: tuple[dict[str, set[str]], list[str]]) -> None:
    edges, _ = graph
    assert "flowdesk.flows.desk" in edges and "flowdesk.web.app" in edges
    assert [m for m in edges if layer_of(m) == -1] == []


def test_no_import_circles(graph: tuple[dict[str, set[str]], list[str]]) -> None:
    assert circles(graph[0]) == []


def test_nothing_imports_upward(graph: tuple[dict[str, set[str]], list[str]]) -> None:
    assert upward_imports(graph[0]) == []


def test_models_and_data_never_draw_or_serve(
    graph: tuple[dict[str, set[str]], list[str]],
) -> None:
    offenders = [
        entry for entry in graph[1]
        if entry.split(":")[1] in PRESENTATION and (layer_of(entry.split(":")[0]) or 0) <= 2
    ]
    assert offenders == []


# --- the checks themselves can fail -------------------------------------------------


def _tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "flowdesk" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_lazy_circle_and_an_upward_import_are_caught(tmp_path: Path) -> None:
    src = _tree(tmp_path, {
        "__init__.py": "",
        "overview.py": "def f():\n    from flowdesk.report import figures\n",
        "report/__init__.py": "",
        "report/figures.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from ..overview import f\n"
            "import plotly\n"
        ),
        "dates.py": "from flowdesk import overview\n",
    })
    edges, external = import_graph(src)
    assert circles(edges) == [["flowdesk.overview", "flowdesk.report.figures"]]
    assert upward_imports(edges) == [
        "flowdesk.dates (core) -> flowdesk.overview",
        "flowdesk.overview (models) -> flowdesk.report.figures",
    ]
    assert "flowdesk.report.figures:plotly" in external
