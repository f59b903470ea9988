"""The shape of the package, read from its source with ``ast``: one class per name across modules,
no module-level caches keyed by graphs, no import cycles between modules."""

from __future__ import annotations

import ast
from collections import defaultdict, deque
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "headwater"


def _modules() -> dict[str, ast.Module]:
    """Dotted module name -> parsed source, for every module of the package."""
    out: dict[str, ast.Module] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return out


def duplicate_class_names(modules: dict[str, ast.Module]) -> dict[str, list[str]]:
    """Class name -> the modules defining it, for names defined in more than one module."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for module, tree in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                found[node.name].add(module)
    return {name: sorted(where) for name, where in sorted(found.items()) if len(where) > 1}


def test_duplicate_class_names_are_found() -> None:
    modules = {
        "pkg.a": ast.parse("class Launcher: ...\nclass Only: ..."),
        "pkg.b": ast.parse("def f():\n    class Launcher: ..."),
    }
    assert duplicate_class_names(modules) == {"Launcher": ["pkg.a", "pkg.b"]}


def test_no_two_modules_define_a_class_of_the_same_name() -> None:
    # Two classes of one name are two copies of a concept, or a reader's guess which one is meant.
    assert duplicate_class_names(_modules()) == {}


_CACHES = {"WeakKeyDictionary", "WeakValueDictionary", "lru_cache", "cache"}
_GRAPH_TYPES = {"AssetGraph", "Definitions"}


def _names(node: ast.AST | None) -> set[str]:
    """Every name and attribute name in ``node``, and in the string annotations inside it."""
    found: set[str] = set()
    for inner in ast.walk(node) if node is not None else ():
        if isinstance(inner, ast.Name):
            found.add(inner.id)
        elif isinstance(inner, ast.Attribute):
            found.add(inner.attr)
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, str) and inner.value.isidentifier():
            found.add(inner.value)  # a quoted annotation such as "AssetGraph"
    return found


def graph_keyed_caches(modules: dict[str, ast.Module]) -> list[str]:
    """``module.name`` of each module-level cache keyed by a graph or a Definitions."""
    found = []
    for module, tree in modules.items():
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                annotation = node.annotation if isinstance(node, ast.AnnAssign) else None
                mentioned = _names(annotation) | _names(node.value)
                if mentioned & _CACHES and mentioned & _GRAPH_TYPES:
                    found += [f"{module}.{ast.unparse(t)}" for t in targets]
            elif isinstance(node, ast.FunctionDef) and any(_names(d) & _CACHES for d in node.decorator_list):
                params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                if any(_names(p.annotation) & _GRAPH_TYPES for p in params):
                    found.append(f"{module}.{node.name}")
    return found


def test_graph_keyed_caches_are_found() -> None:
    modules = {
        "pkg.a": ast.parse(
            "_INDEXES: weakref.WeakKeyDictionary[AssetGraph, int] = weakref.WeakKeyDictionary()\n"
            "_BY_FN: weakref.WeakKeyDictionary[Callable[..., Any], int] = weakref.WeakKeyDictionary()\n"
            "@functools.lru_cache(maxsize=8)\ndef index(graph: 'AssetGraph') -> int: ...\n"
            "@cache\ndef parse(text: str) -> int: ...\n"
        )
    }
    assert graph_keyed_caches(modules) == ["pkg.a._INDEXES", "pkg.a.index"]


def test_no_module_level_cache_is_keyed_by_graphs() -> None:
    # Views derived from a graph are cached properties of AssetGraph (graph/derived.py), so they
    # live and die with the graph and no module holds a second index of graphs.
    assert graph_keyed_caches(_modules()) == []


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports run when the module loads: not those inside functions or under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            typing_only = "TYPE_CHECKING" in _names(node.test)
            pending.extend(node.orelse if typing_only else [*node.body, *node.orelse])
        elif isinstance(node, ast.With):
            pending.extend(node.body)
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody, *(s for h in node.handlers for s in h.body)])
    return found


def import_graph(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports at load time.

    ``from pkg import submodule`` is an edge to the submodule only: the package's ``__init__`` has
    already started by then (it is a parent), so it closes no cycle.
    """
    graph: dict[str, set[str]] = {}
    for module, tree in modules.items():
        package = module if _is_package(module, modules) else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in _top_level_imports(tree):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in modules)
                continue
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                child = f"{base}.{alias.name}"
                if child in modules:
                    targets.add(child)
                elif base in modules:
                    targets.add(base)
        targets.discard(module)
        graph[module] = targets
    return graph


def _is_package(module: str, modules: dict[str, ast.Module]) -> bool:
    # Relative imports count from the package itself in an __init__, from the parent elsewhere.
    return any(other.startswith(f"{module}.") for other in modules)


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each shortest cycle through some module, as ``[a, b, ..., a]``, listed once."""
    cycles: set[tuple[str, ...]] = set()
    for start in sorted(graph):
        came_from: dict[str, str] = {}
        queue = deque([start])
        while queue and start not in came_from:
            here = queue.popleft()
            for nxt in sorted(graph[here]):
                if nxt not in came_from:
                    came_from[nxt] = here
                    queue.append(nxt)
        if start in came_from:
            path = [start]
            while (back := came_from[path[-1]]) != start:
                path.append(back)
            path.reverse()
            first = path.index(min(path))
            cycles.add(tuple(path[first:] + path[:first]))
    return [[*cycle, cycle[0]] for cycle in sorted(cycles)]


def test_import_cycles_are_found() -> None:
    modules = {
        "pkg": ast.parse("from pkg.a import A"),
        "pkg.a": ast.parse("from pkg import b\nif TYPE_CHECKING:\n    from pkg.c import C\nclass A: ..."),
        "pkg.b": ast.parse("from pkg.a import A\ndef f():\n    from pkg.c import C"),
        "pkg.c": ast.parse("from . import a\nfrom .b import f"),
    }
    graph = import_graph(modules)
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a", "pkg.b"}}
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_no_import_cycles_between_modules() -> None:
    # A cycle makes the import order matter and hides which module is the lower one; import
    # inside a function only where the lower module truly needs the upper one once, and say why.
    assert import_cycles(import_graph(_modules())) == []
