"""Built-in check factories (``hw.checks.row_count(...)`` and friends): data quality without user code.

Each factory returns a ``CheckSpec`` like ``@hw.check`` does. The checks read lists of dicts
always, and pandas or polars DataFrames through the DataFrame's own methods, so neither
library is a dependency; a value of a library that cannot be imported is a clear error.
``freshness`` judges the age of the asset's latest materialization instead of its value.
"""

from __future__ import annotations

import importlib
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Final

from headwater.definitions.asset import AssetSpec
from headwater.definitions.check import CheckSpec, Severity, check
from headwater.definitions.output import CheckResult
from headwater.errors import DefinitionError, HeadwaterError
from headwater.keys import AssetKey

__all__ = ["accepted_values", "freshness", "not_null", "row_count", "schema", "unique"]

MATERIALIZED_AT: Final = "materialized_at"
"""A check parameter of this name receives the time of the checked materialization (epoch seconds)."""

_EXAMPLES: Final = 5
Target = AssetSpec[..., Any] | str | AssetKey


def _library(value: Any) -> str:
    """``rows``, ``pandas`` or ``polars``: how to read ``value``; raises HeadwaterError otherwise."""
    if isinstance(value, list) and all(isinstance(row, Mapping) for row in value):
        return "rows"
    root = type(value).__module__.split(".")[0]
    if root in ("pandas", "polars") and hasattr(value, "columns"):
        try:
            importlib.import_module(root)
        except ImportError:
            raise HeadwaterError(
                f"the value is a {root} DataFrame but {root} cannot be imported: install it "
                f"(pip install 'headwater[{root}]') in the environment that runs the checks"
            ) from None
        return root
    raise HeadwaterError(
        f"built-in checks read lists of dicts and pandas or polars DataFrames; got {type(value).__name__}: "
        "return one of these from the asset, or write the check with @hw.check"
    )


def _columns(value: Any, kind: str) -> list[str]:
    if kind == "rows":
        seen: dict[str, None] = {}
        for row in value:
            seen.update(dict.fromkeys(str(k) for k in row))
        return list(seen)
    return [str(c) for c in value.columns]


def _missing(value: Any, kind: str, columns: Sequence[str]) -> list[str]:
    if kind == "rows" and not value:
        return []  # no rows: no column to miss, and nothing to violate
    present = set(_columns(value, kind))
    return [c for c in columns if c not in present]


def _is_null(item: Any) -> bool:
    return item is None or (isinstance(item, float) and math.isnan(item))


def _name(base: str, columns: Iterable[str] = ()) -> str:
    text = "_".join([base, *columns])
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", text)[:100]


def _build(
    asset: Target,
    name: str,
    description: str,
    body: Callable[[Any], CheckResult],
    *,
    blocking: bool,
    severity: Severity,
) -> CheckSpec:
    def evaluate(value: Any) -> CheckResult:
        return body(value)

    return check(
        asset=asset, name=name, blocking=blocking, severity=severity, description=description, ins={"value": asset}
    )(evaluate)


def _columns_arg(columns: str | Sequence[str], factory: str) -> list[str]:
    found = [columns] if isinstance(columns, str) else list(columns)
    if not found or not all(isinstance(c, str) for c in found):
        raise DefinitionError(f"hw.checks.{factory}: columns must name at least one column, e.g. columns=['id']")
    return found


def _no_columns(missing: list[str]) -> CheckResult:
    return CheckResult(
        passed=False, metadata={"missing_columns": missing}, description=f"no column {', '.join(missing)}"
    )


def row_count(
    asset: Target,
    min: int | None = None,
    max: int | None = None,
    *,
    name: str | None = None,
    blocking: bool = False,
    severity: Severity = "error",
) -> CheckSpec:
    """The number of rows is between ``min`` and ``max`` (inclusive; either may be None)."""
    if min is None and max is None:
        raise DefinitionError("hw.checks.row_count needs min=, max= or both, e.g. row_count(orders, min=1)")
    if min is not None and max is not None and min > max:
        raise DefinitionError(f"hw.checks.row_count: min={min} is above max={max}; swap them")

    def body(value: Any) -> CheckResult:
        _library(value)
        rows = len(value)
        ok = (min is None or rows >= min) and (max is None or rows <= max)
        return CheckResult(passed=ok, metadata={"rows": rows, "min": min, "max": max})

    bounds = f"between {min if min is not None else '-inf'} and {max if max is not None else 'inf'}"
    return _build(asset, name or "row_count", f"row count {bounds}", body, blocking=blocking, severity=severity)


def not_null(
    asset: Target,
    columns: str | Sequence[str],
    *,
    name: str | None = None,
    blocking: bool = False,
    severity: Severity = "error",
) -> CheckSpec:
    """No value of ``columns`` is null (None or NaN; a missing key in a dict counts as null)."""
    wanted = _columns_arg(columns, "not_null")

    def body(value: Any) -> CheckResult:
        kind = _library(value)
        missing = _missing(value, kind, wanted)
        if missing:
            return _no_columns(missing)
        nulls: dict[str, int] = {}
        for column in wanted:
            if kind == "rows":
                nulls[column] = sum(1 for row in value if _is_null(row.get(column)))
            elif kind == "pandas":
                nulls[column] = int(value[column].isna().sum())
            else:
                nulls[column] = int(value[column].null_count()) + int(
                    value[column].is_nan().sum() if _float(value[column]) else 0
                )
        return CheckResult(passed=not any(nulls.values()), metadata={"nulls": nulls})

    return _build(
        asset,
        name or _name("not_null", wanted),
        f"no nulls in {', '.join(wanted)}",
        body,
        blocking=blocking,
        severity=severity,
    )


def _float(series: Any) -> bool:
    return str(series.dtype).lower().startswith("float")


def unique(
    asset: Target,
    columns: str | Sequence[str],
    *,
    name: str | None = None,
    blocking: bool = False,
    severity: Severity = "error",
) -> CheckSpec:
    """The combination of ``columns`` is unique per row."""
    wanted = _columns_arg(columns, "unique")

    def body(value: Any) -> CheckResult:
        kind = _library(value)
        missing = _missing(value, kind, wanted)
        if missing:
            return _no_columns(missing)
        if kind == "rows":
            distinct = len({tuple(_hashable(row.get(c)) for c in wanted) for row in value})
        elif kind == "pandas":
            distinct = len(value.drop_duplicates(subset=wanted))
        else:
            distinct = value.select(wanted).unique().height
        duplicates = len(value) - distinct
        return CheckResult(passed=duplicates == 0, metadata={"duplicates": duplicates, "rows": len(value)})

    return _build(
        asset,
        name or _name("unique", wanted),
        f"{', '.join(wanted)} unique",
        body,
        blocking=blocking,
        severity=severity,
    )


def _hashable(item: Any) -> Any:
    try:
        hash(item)
    except TypeError:
        return repr(item)
    return item


def accepted_values(
    asset: Target,
    column: str,
    values: Iterable[Any],
    *,
    allow_null: bool = True,
    name: str | None = None,
    blocking: bool = False,
    severity: Severity = "error",
) -> CheckSpec:
    """Every value of ``column`` is one of ``values`` (nulls pass unless ``allow_null=False``)."""
    accepted = list(values)
    if not accepted:
        raise DefinitionError("hw.checks.accepted_values needs at least one value, e.g. values=['open', 'closed']")
    allowed = {_hashable(v) for v in accepted}

    def body(value: Any) -> CheckResult:
        kind = _library(value)
        missing = _missing(value, kind, [column])
        if missing:
            return _no_columns(missing)
        items = [row.get(column) for row in value] if kind == "rows" else list(value[column].to_list())
        bad = [v for v in items if not (_is_null(v) and allow_null) and _hashable(v) not in allowed]
        examples = sorted({repr(v) for v in bad})[:_EXAMPLES]
        return CheckResult(passed=not bad, metadata={"unexpected": len(bad), "examples": examples})

    return _build(
        asset,
        name or _name("accepted_values", [column]),
        f"{column} in {accepted!r}",
        body,
        blocking=blocking,
        severity=severity,
    )


def schema(
    asset: Target,
    columns: Mapping[str, str | type | None] | Sequence[str],
    *,
    exact: bool = False,
    name: str | None = None,
    blocking: bool = False,
    severity: Severity = "error",
) -> CheckSpec:
    """The value has ``columns`` (with these types, when given); ``exact`` forbids other columns.

    Types are compared by name, case-insensitively: a DataFrame dtype such as ``'int64'`` or
    ``'Int64'``, or for lists of dicts the Python type of the non-null values (``int`` or ``'int'``).
    """
    expected: dict[str, str | None] = {}
    items = columns.items() if isinstance(columns, Mapping) else ((c, None) for c in columns)
    for column, kind in items:
        expected[str(column)] = (kind.__name__ if isinstance(kind, type) else str(kind)).lower() if kind else None
    if not expected:
        raise DefinitionError("hw.checks.schema needs at least one column, e.g. columns={'id': 'int64'}")

    def body(value: Any) -> CheckResult:
        kind = _library(value)
        actual = _types(value, kind)
        missing = [c for c in expected if c not in actual]
        extra = [c for c in actual if c not in expected] if exact else []
        wrong = {
            c: {"expected": t, "actual": actual[c]} for c, t in expected.items() if t and c in actual and actual[c] != t
        }
        ok = not missing and not extra and not wrong
        metadata: dict[str, Any] = {"columns": actual}
        if missing:
            metadata["missing_columns"] = missing
        if extra:
            metadata["extra_columns"] = extra
        if wrong:
            metadata["wrong_types"] = wrong
        return CheckResult(passed=ok, metadata=metadata)

    return _build(asset, name or "schema", f"schema {expected}", body, blocking=blocking, severity=severity)


def _types(value: Any, kind: str) -> dict[str, str]:
    if kind == "pandas":
        return {str(c): str(t).lower() for c, t in value.dtypes.items()}
    if kind == "polars":
        return {str(c): str(t).lower() for c, t in value.schema.items()}
    found: dict[str, set[str]] = {c: set() for c in _columns(value, kind)}
    for row in value:
        for column, item in row.items():
            if not _is_null(item):
                found[str(column)].add(type(item).__name__)
    return {c: "|".join(sorted(t)) if t else "null" for c, t in found.items()}


def freshness(
    asset: Target,
    max_age: timedelta,
    *,
    name: str | None = None,
    blocking: bool = False,
    severity: Severity = "warn",
) -> CheckSpec:
    """The checked materialization is younger than ``max_age`` (judged when the check runs)."""
    if not isinstance(max_age, timedelta) or max_age <= timedelta(0):
        raise DefinitionError(f"hw.checks.freshness: max_age must be a positive timedelta, got {max_age!r}")
    limit = max_age.total_seconds()

    def evaluate(value: Any = None, materialized_at: float | None = None) -> CheckResult:
        if materialized_at is None:
            return CheckResult(passed=False, description="never materialized")
        age = max(0.0, time.time() - materialized_at)
        return CheckResult(passed=age <= limit, metadata={"age_seconds": round(age, 3), "max_age_seconds": limit})

    return check(
        asset=asset,
        name=name or "freshness",
        blocking=blocking,
        severity=severity,
        description=f"materialized less than {max_age} ago",
        ins={"value": asset},
    )(evaluate)
