"""The shape of the package, read from its source with ``ast``: one class per name across modules."""

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
