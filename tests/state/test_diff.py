"""Data diff between two materializations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.state.diff import diff


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def table(rows: list[dict[str, object]], code: str) -> hw.Definitions:
    @hw.asset(name="table", code_version=code)
    def make() -> hw.Output[list[dict[str, object]]]:
        return hw.Output(rows, metadata={"rows": len(rows), "source": "shop"})

    return hw.Definitions(assets=[make])


def test_latest_two_and_named_runs(instance: hw.Instance) -> None:
    key = hw.AssetKey("table")
    with pytest.raises(hw.SelectionError, match=r"asset 'table' has 0 materialization\(s\); a diff needs two"):
        diff(instance.storage, key)
    first = instance.materialize(table([{"id": 1, "name": "a"}] * 4, "1"))
    second = instance.materialize(table([{"id": 1.5, "email": "x"}] * 5, "2"))
    found = diff(instance.storage, key)
    assert found["a"]["run_id"] == first.run_id and found["b"]["run_id"] == second.run_id
    assert found["data_version_changed"] and found["code_version_changed"]
    assert found["rows"] == {"a": 4, "b": 5, "delta": 1}
    assert found["schema"] == {
        "added": {"email": "str"},
        "removed": {"name": "str"},
        "changed": {"id": {"a": "int", "b": "float"}},
    }
    rows = {row["name"]: row for row in found["metadata"]}
    assert rows["rows"] == {"name": "rows", "a": 4, "b": 5, "changed": True, "delta": 1, "percent": 25.0}
    assert rows["source"] == {"name": "source", "a": "shop", "b": "shop", "changed": False}
    assert diff(instance.storage, key, second.run_id, first.run_id)["rows"]["delta"] == 1  # ordered by time
    other = instance.materialize(hw.Definitions(assets=[hw.asset(name="other")(lambda: 1)]))
    with pytest.raises(hw.SelectionError, match=r"did not materialize 'table': `headwater assets show table` lists"):
        diff(instance.storage, key, other.run_id)
