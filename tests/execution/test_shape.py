"""Shapes recorded with materializations: row counts and column types of tables."""

from __future__ import annotations

import json

import pytest

from headwater.execution.shape import MAX_COLUMNS, describe_value


def test_lists_of_dicts() -> None:
    rows = [{"id": 1, "name": None}, {"id": 2, "name": "b"}]
    assert describe_value(rows) == {"rows": 2, "columns": {"id": "int", "name": "str"}}
    assert describe_value([]) is None
    assert describe_value([1, 2]) is None
    assert describe_value("text") is None


def test_wide_tables_are_capped() -> None:
    wide = [{f"column_with_a_rather_long_name_{i:03d}": i for i in range(200)}]
    shape = describe_value(wide)
    assert shape is not None
    assert len(shape["columns"]) == MAX_COLUMNS and shape["columns_left_out"] == 200 - MAX_COLUMNS
    assert len(json.dumps(shape)) < 2048


def test_pandas() -> None:
    pd = pytest.importorskip("pandas")
    assert describe_value(pd.DataFrame({"a": [1, 2]})) == {"rows": 2, "columns": {"a": "int64"}}
