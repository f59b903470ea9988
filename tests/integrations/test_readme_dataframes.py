"""The README's DataFrame and DuckDB example is real code: declare it, run it, ask for column lineage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import headwater as hw

README = Path(__file__).resolve().parents[2] / "README.md"


def test_dataframes_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the example writes warehouse.duckdb and lake/ where it runs
    blocks = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if "hw.sql_asset(" in b]
    assert blocks, "the README has a DuckDB example"
    namespace: dict[str, object] = {"__name__": "readme_dataframes"}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    defs = namespace["defs"]
    assert isinstance(defs, hw.Definitions)
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(defs).raise_on_failure()
        assert sorted(result.value_of("big_spenders")["name"]) == ["ann", "bob"]
        assert result.metadata_of("revenue")["table"] == "main.revenue"
        found = hw.column_lineage(instance, defs, "big_spenders", column="customer_id")
        spent = hw.column_lineage(instance, defs, "revenue", column="revenue").columns[0]
    # the SQL reads c.customer_id: the customers column, not the orders one of the same name
    assert [(r.asset, r.distance) for r in found.columns[0].upstream] == [("revenue", 1), ("customers", 2)]
    assert [(r.asset, r.column, r.type) for r in spent.upstream] == [("orders", "amount", "DOUBLE")]
    assert (tmp_path / "lake" / "big_spenders.parquet").is_file()
