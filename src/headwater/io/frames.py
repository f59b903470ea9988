"""What the DataFrame IO managers share: which library a value belongs to, optional imports
with an install hint, columns no table format can hold, and the metadata recorded per value.

Neither pandas nor polars is imported here until a value of that library is at hand.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any, Final, Literal

from headwater.errors import ConfigError, IOManagerError
from headwater.keys import AssetKey

Frame = Literal["pandas", "polars"]
FRAMES: Final[tuple[Frame, ...]] = ("pandas", "polars")
PREVIEW_ROWS: Final = 5
MAX_SCHEMA_COLUMNS: Final = 200
_PREVIEW_COLUMNS: Final = 20
_PREVIEW_TEXT: Final = 80
_PLAIN: Final = (str, bytes, bool, int, float, Decimal, date, datetime, time, timedelta, list, tuple, dict)
# pandas.api.types.infer_dtype answers that Parquet and DuckDB store without guessing.
_STORABLE_KINDS: Final = frozenset(
    {
        "string",
        "bytes",
        "empty",
        "decimal",
        "date",
        "datetime",
        "datetime64",
        "time",
        "timedelta",
        "timedelta64",
        "integer",
        "floating",
        "mixed-integer-float",
        "boolean",
        "categorical",
    }
)


def install_hint(module: str, extra: str, needed_by: str) -> str:
    """The message for a missing optional library: what needs it and the pip command that adds it."""
    return f"{needed_by} needs {module}, which is not installed: pip install 'headwater[{extra}]'"


def require(module: str, *, extra: str, needed_by: str) -> ModuleType:
    """Import ``module``, or raise ConfigError saying which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(install_hint(module, extra, needed_by)) from None


def frame_library(value: Any) -> Frame | None:
    """``"pandas"`` or ``"polars"`` for a DataFrame of that library, else None (nothing is imported)."""
    root = type(value).__module__.split(".")[0]
    if root == "pandas" and type(value).__name__ == "DataFrame":
        return "pandas"
    if root == "polars" and type(value).__name__ == "DataFrame":
        return "polars"
    return None


def check_frame(key: AssetKey, value: Any, manager: str) -> Frame:
    """The library of ``value``; IOManagerError naming the asset when it is not a DataFrame."""
    library = frame_library(value)
    if library is None:
        raise IOManagerError(
            f"asset '{key}': {manager} stores pandas or polars DataFrames, and the asset returned "
            f"{type(value).__module__}.{type(value).__name__}: return a DataFrame, or give the asset "
            "another io_manager= (the default pickles any value)"
        )
    return library


def unstorable_columns(value: Any, library: Frame) -> dict[str, str]:
    """Columns holding arbitrary Python objects (name -> what they hold), which no table format stores."""
    if library == "polars":
        return {str(name): "Python object" for name, kind in value.schema.items() if str(kind) == "Object"}
    from pandas.api.types import infer_dtype

    bad: dict[str, str] = {}
    for name in value.columns:
        column = value[name]
        if str(column.dtype) != "object" or infer_dtype(column, skipna=True) in _STORABLE_KINDS:
            continue
        odd = next((v for v in column if v is not None and not isinstance(v, _PLAIN)), None)
        if odd is not None:
            bad[str(name)] = type(odd).__name__
    return bad


def refuse_unstorable(key: AssetKey, value: Any, library: Frame, target: str) -> None:
    """Raise IOManagerError naming the asset and the first column ``target`` cannot store."""
    bad = unstorable_columns(value, library)
    if bad:
        name, held = next(iter(bad.items()))
        others = f" (and {len(bad) - 1} more: {', '.join(list(bad)[1:])})" if len(bad) > 1 else ""
        raise IOManagerError(
            f"asset '{key}': column '{name}' holds {held} values, which {target} cannot store{others}; "
            "convert the column to strings, numbers, dates or lists (e.g. df[col].astype(str)), "
            "or store this asset with the default pickling io_manager"
        )


def schema_of(value: Any, library: Frame) -> dict[str, str]:
    """Column name -> the library's type name, for up to MAX_SCHEMA_COLUMNS columns."""
    items = value.dtypes.items() if library == "pandas" else value.schema.items()
    return {str(name): str(kind) for name, kind in list(items)[:MAX_SCHEMA_COLUMNS]}


def preview_rows(rows: Sequence[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """The first rows, narrowed to what fits in an event: few columns, short texts."""
    out: list[dict[str, Any]] = []
    for row in rows[:PREVIEW_ROWS]:
        kept: dict[str, Any] = {}
        for name, item in list(row.items())[:_PREVIEW_COLUMNS]:
            long = isinstance(item, str) and len(item) > _PREVIEW_TEXT
            kept[str(name)] = item[: _PREVIEW_TEXT - 1] + "…" if long else item
        out.append(kept)
    return out


def frame_metadata(value: Any, library: Frame, head: Sequence[Mapping[Any, Any]] | None = None) -> dict[str, Any]:
    """``rows``, ``schema`` (name -> type) and ``preview`` (first rows as dicts) of a DataFrame.

    ``head`` gives the first rows when the caller has them already (e.g. from an Arrow table);
    only the frame's own columns are kept from it.
    """
    schema = schema_of(value, library)
    if head is None:
        first = value.head(PREVIEW_ROWS)
        head = first.to_dict("records") if library == "pandas" else first.to_dicts()
    else:
        head = [{k: v for k, v in row.items() if k in schema} for row in head]
    return {"rows": len(value), "schema": schema, "preview": preview_rows(head)}


def table_metadata(rows: int, schema: Mapping[str, str], preview: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    """The same metadata for a table read back from a database."""
    return {
        "rows": rows,
        "schema": dict(list(schema.items())[:MAX_SCHEMA_COLUMNS]),
        "preview": preview_rows(preview),
    }


def _readable(cell: Any) -> Any:
    """``cell`` as DuckDB reads it: a numpy array (how Parquet and Arrow give pandas a list cell) of
    text or times, which DuckDB does not read, becomes a list; other arrays are read as LIST already.
    """
    if type(cell).__name__ != "ndarray":
        return cell
    import pandas as pd

    kind = cell.dtype.kind
    if kind in "US":
        return cell.tolist()
    if kind == "M":
        return list(pd.to_datetime(cell))
    if kind == "m":
        return list(pd.to_timedelta(cell))
    if kind == "O" and any(type(item).__name__ == "ndarray" for item in cell):
        return [_readable(item) for item in cell]
    return cell


def duckdb_storable(value: Any, library: Frame) -> tuple[Any, list[Any]]:
    """A pandas frame DuckDB can read, and its columns of UUIDs or arrays, which DuckDB stores as UUID and LIST."""
    if library != "pandas":
        return value, []
    import pandas as pd

    native: list[Any] = []
    lists: dict[Any, Any] = {}
    for name in value.columns:
        column = value[name]
        if str(column.dtype) != "object":
            continue
        present = column.dropna()
        if len(present) and all(isinstance(cell, uuid.UUID) for cell in present):
            native.append(name)
        elif any(type(cell).__name__ == "ndarray" for cell in present):
            native.append(name)
            lists[name] = pd.Series([_readable(cell) for cell in column], index=column.index, dtype=object)
    if lists:
        value = value.copy(deep=False)
        for name, column in lists.items():
            value[name] = column
    return value, native
