"""Metadata and check histories, and the lineage of one materialization, through the Instance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def project(rows: int) -> hw.Definitions:
    @hw.asset(name="table")
    def table() -> hw.Output[list[int]]:
        return hw.Output(list(range(rows)), metadata={"rows": rows, "ok": True, "label": "x"})

    @hw.asset(name="summary")
    def summary(table: list[int]) -> int:
        return len(table)

    @hw.check(asset="table", severity="warn")
    def big(table: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=len(table) > 2, metadata={"rows": len(table)}, description="more than two")

    @hw.check(asset="table")
    def explodes(table: list[int]) -> hw.CheckResult:
        raise RuntimeError("boom")

    return hw.Definitions(assets=[table, summary], checks=[big, explodes])


def test_metadata_history_is_numeric_and_oldest_first(instance: hw.Instance) -> None:
    for rows in (1, 5, 3):
        assert instance.materialize(project(rows)).success  # a raising check is recorded, not a crash
    points = instance.metadata_history("table", "rows")
    assert [p.value for p in points] == [1, 5, 3]
    assert points[0].timestamp <= points[-1].timestamp
    assert points[0].to_json()["data_version"] == points[0].data_version
    assert instance.metadata_history("table", "ok") == []  # booleans are not plotted
    assert [p.value for p in instance.metadata_history("table", "rows", limit=2)] == [5, 3]


def test_check_history_outcomes(instance: hw.Instance) -> None:
    for rows in (1, 5):
        instance.materialize(project(rows))
    big = instance.check_history("table", "big")
    assert [e.outcome for e in big] == ["passed", "warned"]
    assert big[0].metadata == {"rows": 5}
    assert big[0].description == "more than two"
    explodes = instance.check_history("table", "explodes")
    assert explodes[0].outcome == "errored"
    assert explodes[0].error == "RuntimeError: boom"
    assert len(instance.check_history("table")) == 4


def test_why_through_the_instance(instance: hw.Instance) -> None:
    defs = project(4)
    instance.materialize(defs)
    why = instance.why(defs, "summary")
    assert why.record is not None
    (table,) = why.inputs
    assert table.key == hw.AssetKey("table") and table.current
    assert table.consumed == table.data_version
    with pytest.raises(hw.SelectionError, match=r"no asset 'sumary' \(did you mean 'summary'\?\)"):
        instance.why(defs, "sumary")
