"""A small description of a stored value: row count and column types of tables.

Recorded with each materialization (``data["shape"]``) so two materializations can be diffed
after their values are overwritten. Cheap: lists of dicts are sampled, DataFrames are read
through their own attributes (neither pandas nor polars is imported), and the result is
capped to stay well under the 2 KiB an event may take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

MAX_COLUMNS: Final = 40
_SAMPLE: Final = 100
_NAME: Final = 40


def describe_value(value: Any) -> dict[str, Any] | None:
    """``{"rows": n, "columns": {name: type}}`` for a list of dicts or a pandas/polars DataFrame, else None."""
    if isinstance(value, list):
        if not value or not isinstance(value[0], Mapping):
            return None
        types: dict[str, str] = {}
        for row in value[:_SAMPLE]:
            if not isinstance(row, Mapping):
                return None
            for name, item in row.items():
                column = str(name)
                if item is not None and types.get(column, "null") == "null":
                    types[column] = type(item).__name__
                types.setdefault(column, "null")
        return _capped(len(value), types)
    root = type(value).__module__.split(".")[0]
    try:
        if root == "pandas" and hasattr(value, "dtypes"):
            return _capped(len(value), {str(c): str(t) for c, t in value.dtypes.items()})
        if root == "polars" and hasattr(value, "schema"):
            return _capped(len(value), {str(c): str(t) for c, t in value.schema.items()})
    except Exception:  # an unusual frame: no shape rather than a failed step
        return None
    return None


def _capped(rows: int, columns: dict[str, str]) -> dict[str, Any]:
    kept = {name[:_NAME]: kind[:_NAME] for name, kind in list(columns.items())[:MAX_COLUMNS]}
    shape: dict[str, Any] = {"rows": rows, "columns": kept}
    if len(columns) > MAX_COLUMNS:
        shape["columns_left_out"] = len(columns) - MAX_COLUMNS
    return shape
