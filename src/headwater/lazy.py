"""Package attributes imported on first use (PEP 562), so that importing one light module of a
package (``headwater.instance.config``, ``headwater.auth.config``) does not import the whole package
(storage, SQLAlchemy, the run machinery): ``headwater check`` and ``headwater --help`` start faster.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``exports`` maps each name to the module
    that defines it; a name is imported once, then kept in ``namespace`` (the package's globals)."""

    def get(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def listing() -> list[str]:
        return sorted([*namespace, *exports])

    return get, listing
