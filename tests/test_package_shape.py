"""The shape of the package, read from its source with ``ast``: one class per name across modules,
no module-level caches keyed by graphs."""

from __future__ import annotations

import ast
from collections import defaultdict
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
