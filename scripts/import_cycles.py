"""Import circles in the core: strongly connected components of the module-level
import graph of ``jupyter_mlstudio`` (imports under ``if TYPE_CHECKING:`` and imports
inside functions do not count: they run after every module is loaded).

Prints every circle between modules, then the circles between feature packages
(experiments, jobs, registry, endpoints, serving, wrangler, store, tuning, features,
monitor, and the fronts tracking/sdk/autolog/studio). Exits 1 when there is a circle
between feature packages.

    .venv/bin/python scripts/import_cycles.py [package-folder]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "jupyter_mlstudio"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
FEATURES = (
    "experiments",
    "jobs",
    "registry",
    "endpoints",
    "serving",
    "wrangler",
    "store",
    "tuning",
    "features",
    "monitor",
)
FRONTS = {"tracking": "front", "sdk": "front", "autolog": "front", "studio": "front"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is loaded (also inside try/if at top level)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found += _top_level_imports(node.body)
            found += _top_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                found += _top_level_imports(block)
            for handler in node.handlers:
                found += _top_level_imports(handler.body)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _top_level_imports(tree.body):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                targets = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
            for target in targets:
                # the module itself, or the nearest package holding it
                while target and target not in files:
                    target = target.rpartition(".")[0]
                # a module's own packages are loading already when it runs: no edge
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
                    # importing a.b.c loads the packages a.b and a first
                    parent = target.rpartition(".")[0]
                    while parent and parent != name and not name.startswith(parent + "."):
                        graph[name].add(parent)
                        parent = parent.rpartition(".")[0]
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    if parts[1] in FEATURES:
        return parts[1]
    return FRONTS.get(parts[1])


def main(argv: list[str]) -> int:
    """``argv``: optionally the package folder to check (default: jupyter_mlstudio)."""
    graph = import_graph(Path(argv[0]).resolve() if argv else ROOT)
    components = strongly_connected(graph)
    crossing = False
    for component in components:
        features = sorted({f for m in component if (f := feature_of(m)) is not None})
        between = len(features) > 1
        crossing = crossing or between
        label = f"between {', '.join(features)}" if between else "inside one package"
        print(f"circle of {len(component)} modules ({label}):")
        for module in component:
            print(f"  {module}")
    if not components:
        print("no import circle")
    if crossing:
        print("FAIL: an import circle between feature packages")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
