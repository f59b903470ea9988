"""Built-in check factories (hw.checks.*) on lists of dicts and, when installed, pandas DataFrames."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import pytest

import headwater as hw

ROWS = [
    {"id": 1, "status": "open", "amount": 2.5},
    {"id": 2, "status": "closed", "amount": None},
    {"id": 2, "status": "lost", "amount": 1.0},
]


@hw.asset
def orders() -> list[dict[str, Any]]:
    return ROWS


def evaluate(spec: hw.CheckSpec, value: Any) -> hw.CheckResult:
    result = spec.fn(value=value)
    assert isinstance(result, hw.CheckResult)
    return result


def test_row_count() -> None:
    assert evaluate(hw.checks.row_count(orders, min=1, max=3), ROWS).passed
    result = evaluate(hw.checks.row_count(orders, min=4), ROWS)
    assert not result.passed and result.metadata == {"rows": 3, "min": 4, "max": None}
    spec = hw.checks.row_count("orders", max=10, blocking=True, severity="warn")
    assert (spec.id, spec.blocking, spec.severity) == ("orders:row_count", True, "warn")
    assert spec.description == "row count between -inf and 10"


def test_not_null_unique_accepted_values() -> None:
    assert evaluate(hw.checks.not_null(orders, ["id", "status"]), ROWS).passed
    nulls = evaluate(hw.checks.not_null(orders, "amount"), ROWS)
    assert not nulls.passed and nulls.metadata == {"nulls": {"amount": 1}}
    assert hw.checks.not_null(orders, "amount").name == "not_null_amount"
    dupes = evaluate(hw.checks.unique(orders, "id"), ROWS)
    assert not dupes.passed and dupes.metadata == {"duplicates": 1, "rows": 3}
    assert evaluate(hw.checks.unique(orders, ["id", "status"]), ROWS).passed
    bad = evaluate(hw.checks.accepted_values(orders, "status", ["open", "closed"]), ROWS)
    assert not bad.passed and bad.metadata == {"unexpected": 1, "examples": ["'lost'"]}
    missing = evaluate(hw.checks.not_null(orders, "nope"), ROWS)
    assert not missing.passed and missing.description == "no column nope"


def test_schema() -> None:
    assert evaluate(hw.checks.schema(orders, {"id": int, "status": "str"}), ROWS).passed
    result = evaluate(hw.checks.schema(orders, {"id": "str", "extra": None}, exact=True), ROWS)
    assert not result.passed
    assert result.metadata["missing_columns"] == ["extra"]
    assert result.metadata["extra_columns"] == ["status", "amount"]
    assert result.metadata["wrong_types"] == {"id": {"expected": "str", "actual": "int"}}


def test_freshness() -> None:
    spec = hw.checks.freshness(orders, timedelta(hours=1))
    assert spec.severity == "warn"
    import time

    assert spec.fn(value=None, materialized_at=time.time() - 60).passed
    stale = spec.fn(value=None, materialized_at=time.time() - 7200)
    assert not stale.passed and stale.metadata["max_age_seconds"] == 3600
    with pytest.raises(hw.DefinitionError, match="max_age must be a positive timedelta, got 5"):
        hw.checks.freshness(orders, 5)  # type: ignore[arg-type]


def test_definition_errors() -> None:
    with pytest.raises(
        hw.DefinitionError, match=r"row_count needs min=, max= or both, e.g. row_count\(orders, min=1\)"
    ):
        hw.checks.row_count(orders)
    with pytest.raises(hw.DefinitionError, match="min=5 is above max=1; swap them"):
        hw.checks.row_count(orders, min=5, max=1)
    with pytest.raises(hw.DefinitionError, match=r"columns must name at least one column, e.g. columns=\['id'\]"):
        hw.checks.unique(orders, [])
    with pytest.raises(hw.DefinitionError, match="accepted_values needs at least one value"):
        hw.checks.accepted_values(orders, "status", [])


def test_unsupported_values_and_missing_library(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        hw.HeadwaterError, match="built-in checks read lists of dicts and pandas or polars DataFrames; got int"
    ):
        evaluate(hw.checks.row_count(orders, min=1), 5)
    frame = type("DataFrame", (), {"__module__": "polars.dataframe.frame", "columns": ["id"]})()
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(
        hw.HeadwaterError,
        match=r"the value is a polars DataFrame but polars cannot be imported: "
        r"install it \(pip install 'headwater\[polars\]'\)",
    ):
        evaluate(hw.checks.row_count(orders, min=1), frame)


def test_in_a_run_and_on_unknown_assets() -> None:
    checks = [
        hw.checks.row_count(orders, min=5),
        hw.checks.not_null(orders, "id"),
        hw.checks.freshness(orders, timedelta(days=1)),
    ]
    result = hw.materialize(hw.Definitions(assets=[orders], checks=checks))
    outcomes = {e.data["check"]: e.data["passed"] for e in result.of_type(hw.EventType.CHECK_EVALUATED)}
    assert outcomes == {"row_count": False, "not_null_id": True, "freshness": True}
    with pytest.raises(
        hw.DefinitionError, match=r"which is not an asset in these definitions \(did you mean 'orders'\?\)"
    ):
        hw.AssetGraph.from_definitions(hw.Definitions(assets=[orders], checks=[hw.checks.row_count("ordres", min=1)]))


def test_pandas_frames() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ROWS)
    assert evaluate(hw.checks.row_count(orders, min=3, max=3), frame).passed
    assert evaluate(hw.checks.not_null(orders, "amount"), frame).metadata == {"nulls": {"amount": 1}}
    assert evaluate(hw.checks.unique(orders, "id"), frame).metadata["duplicates"] == 1
    assert not evaluate(hw.checks.accepted_values(orders, "status", ["open", "closed"]), frame).passed
    assert evaluate(hw.checks.schema(orders, {"id": "int64", "amount": "float64"}), frame).passed
