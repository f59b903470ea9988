from __future__ import annotations

import ast
from pathlib import Path

import headwater as hw


def test_all_is_sorted_and_complete() -> None:
    assert hw.__all__ == sorted(hw.__all__)
    for name in hw.__all__:
        assert hasattr(hw, name), name


def test_public_names_documented() -> None:
    undocumented = [n for n in hw.__all__ if not isinstance(getattr(hw, n), str) and not getattr(hw, n).__doc__]
    assert undocumented == []


def _export_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions and modules.
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def export_problems(tree: ast.Module) -> list[str]:
    """What is wrong with the ``__all__`` of one ``__init__`` (empty when it has none)."""
    exported: list[str] | None = None
    bound: set[str] = set()
    imported: set[str] = set()
    # Module level and under `if TYPE_CHECKING:`; not inside functions such as a lazy __getattr__.
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If):
            pending.extend([*node.body, *node.orelse])
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            exported = list(ast.literal_eval(node.value))
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("headwater")):
            # What the package re-exports; helpers from the standard library (Any, importlib) are not.
            imported.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update(t.id for t in targets if isinstance(t, ast.Name))
    if exported is None:
        return []
    problems = []
    if exported != sorted(exported, key=_export_key):
        problems.append(f"__all__ is not sorted: {exported}")
    problems += [f"{name} is in __all__ twice" for name in sorted(set(exported)) if exported.count(name) > 1]
    problems += [
        f"{name} is in __all__ but not defined or imported" for name in exported if name not in bound | imported
    ]
    problems += [
        f"{name} is imported but not in __all__"
        for name in sorted(imported)
        if not name.startswith("_") and name not in exported
    ]
    return problems


def test_export_problems_are_found() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nfrom headwater.a import Zed, Ann, Ann as Ann2\nif TYPE_CHECKING:\n"
        "    from headwater.b import hidden\n    from . import _private\ndef __getattr__(name):\n"
        "    from headwater.c import lazy\n"
        "__all__ = ['Zed', 'Ann', 'Ann', 'lazy']"
    )
    assert export_problems(tree) == [
        "__all__ is not sorted: ['Zed', 'Ann', 'Ann', 'lazy']",
        "Ann is in __all__ twice",
        "lazy is in __all__ but not defined or imported",
        "Ann2 is imported but not in __all__",
        "hidden is imported but not in __all__",
    ]


def test_every_export_list_agrees_with_its_init() -> None:
    package = Path(hw.__file__).parent
    problems = {
        str(path.relative_to(package)): found
        for path in sorted(package.rglob("__init__.py"))
        if (found := export_problems(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert problems == {}
