"""Storage's boundary: outside ``headwater.storage`` no module writes SQL (imports SQLAlchemy or the
table definitions) or reaches into a Storage's private attributes; they call its public methods."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import headwater
from headwater.storage import Storage

PACKAGE = Path(headwater.__file__).parent

FORBIDDEN_MODULES = (
    "sqlalchemy",
    "headwater.storage.schema",
    "headwater.storage.extension",  # a StorageExtension reaches the storage's engine and dialect
    "headwater.storage.engine",
)


def _storage_private_names() -> set[str]:
    storage = Storage.in_memory()
    try:
        names = {*vars(storage), *(n for cls in type(storage).__mro__ for n in vars(cls))}
    finally:
        storage.close()
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


PRIVATE = _storage_private_names()


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def violations(source: str, where: str) -> list[str]:
    """Each import of SQL machinery and each private attribute of a Storage that ``source`` touches."""
    found = sorted(_scan(ast.parse(source)), key=lambda item: item[0])
    return [f"{where}:{line} {what}" for line, what in found]


def _scan(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name in _imported(node):
                if any(name == m or name.startswith(f"{m}.") for m in FORBIDDEN_MODULES):
                    yield node.lineno, f"imports {name}"
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = _dotted(node.value)
            if owner in ("self", "cls"):
                continue  # a class's own private attributes
            if node.attr in PRIVATE or "storage" in owner.rsplit(".", 1)[-1].lower():
                yield node.lineno, f"touches {owner}.{node.attr}"


def _modules_outside_storage() -> list[Path]:
    storage = PACKAGE / "storage"
    return [p for p in sorted(PACKAGE.rglob("*.py")) if storage not in p.parents]


def test_no_module_outside_storage_writes_sql_or_touches_storage_internals() -> None:
    modules = _modules_outside_storage()
    assert PACKAGE / "web" / "queries.py" in modules
    found = [v for path in modules for v in violations(path.read_text(), str(path.relative_to(PACKAGE)))]
    assert found == []


def test_the_scan_finds_each_kind_of_reach_into_storage() -> None:
    source = "\n".join(
        [
            "import sqlalchemy",
            "from sqlalchemy import select",
            "from headwater.storage.schema import runs",
            "from headwater.storage import schema",
            "from headwater.storage.extension import StorageExtension",
            "with self.storage._read('x') as conn: pass",
            "instance.storage._engine.dispose()",
            "store._dialect",
            "self._lock",
            "other._private_of_its_own",
            "from headwater.storage import Storage",
        ]
    )
    assert violations(source, "m.py") == [
        "m.py:1 imports sqlalchemy",
        "m.py:2 imports sqlalchemy",
        "m.py:2 imports sqlalchemy.select",
        "m.py:3 imports headwater.storage.schema",
        "m.py:3 imports headwater.storage.schema.runs",
        "m.py:4 imports headwater.storage.schema",
        "m.py:5 imports headwater.storage.extension",
        "m.py:5 imports headwater.storage.extension.StorageExtension",
        "m.py:6 touches self.storage._read",
        "m.py:7 touches instance.storage._engine",
        "m.py:8 touches store._dialect",
    ]
