"""An input reading every partition of a long-partitioned upstream reads the stored ones and says
which are not; existence is asked once per upstream asset, whatever its IO manager."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.errors import SelectionError

TWO_YEARS = hw.HourlyPartitions(start="2024-01-01", end="2026-01-01")  # 17,544 hours
MADE = ("2024-01-01-00:00", "2025-06-01-12:00", "2025-12-31-23:00")


@pytest.fixture
def instance(tmp_path: Path) -> Any:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def _defs(partitions: hw.PartitionsDefinition, **io: Any) -> hw.Definitions:
    name = "warehouse" if io else "io_manager"

    @hw.asset(partitions=partitions, io_manager=name)
    def readings(context: hw.Context) -> Any:
        import pandas as pd

        return pd.DataFrame({"hour": [context.partition_key], "value": [1]})

    @hw.asset(io_manager=name)
    def summary(readings: dict[str, Any]) -> Any:
        import pandas as pd

        return pd.DataFrame({"hours": sorted(readings)})

    return hw.Definitions(assets=[readings, summary], io_managers=io)


def test_an_unpartitioned_asset_reads_the_stored_hours_of_two_years(instance: Any) -> None:
    defs = _defs(TWO_YEARS)
    for hour in MADE:
        assert instance.materialize(defs, "readings", partition=hour).success
    result = instance.materialize(defs, "summary")
    assert result.success, result.run.error
    assert list(result.value_of("summary")["hours"]) == list(MADE)
    (log,) = instance.storage.get_logs(result.run.run_id, "summary")[:1]
    assert "WARNING input 'readings' reads the 3 of 17,544 partitions of 'readings' that are stored" in log.text
    assert "17,541 have no stored value (2024-01-01-01:00, 2024-01-01-02:00, " in log.text
    assert "and 17,536 more)" in log.text


def test_the_duckdb_manager_answers_in_one_query(instance: Any, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    month = hw.HourlyPartitions(start="2025-12-01", end="2026-01-01")
    defs = _defs(month, warehouse=hw.DuckDBIOManager(tmp_path / "w.duckdb"))
    assert instance.materialize(defs, "readings", partition="2025-12-31-23:00").success
    result = instance.materialize(defs, "summary")
    assert result.success, result.run.error
    assert list(result.value_of("summary")["hours"]) == ["2025-12-31-23:00"]
    text = "".join(log.text for log in instance.storage.get_logs(result.run.run_id, "summary"))
    assert "reads the 1 of 744 partitions of 'readings' that are stored; 743 have no stored value" in text


def test_reading_every_partition_with_none_stored_is_refused(instance: Any) -> None:
    with pytest.raises(
        SelectionError,
        match=r"no stored value: 'readings' partition\(s\) 2024-01-01-00:00, .* and 17,539 more \(needed by summary\)",
    ):
        instance.materialize(_defs(TWO_YEARS), "summary")


def test_a_run_that_makes_a_partition_reads_it_with_the_stored_ones(instance: Any) -> None:
    defs = _defs(TWO_YEARS)
    assert instance.materialize(defs, "readings", partition=MADE[0]).success
    result = instance.materialize(defs, partition=MADE[1])  # makes readings MADE[1], then summary
    assert result.success, result.run.error
    assert list(result.value_of("summary")["hours"]) == list(MADE[:2])


@pytest.mark.parametrize("kind", ["filesystem", "memory", "duckdb", "parquet"])
def test_exists_many_agrees_with_exists(kind: str, tmp_path: Path) -> None:
    import pandas as pd

    managers: dict[str, Any] = {
        "filesystem": lambda: hw.FilesystemIOManager(tmp_path / "fs"),
        "memory": hw.InMemoryIOManager,
        "duckdb": lambda: hw.DuckDBIOManager(tmp_path / "w.duckdb"),
        "parquet": lambda: hw.ParquetIOManager(tmp_path / "pq"),
    }
    manager = managers[kind]()
    key, other = hw.AssetKey("raw", "readings"), hw.AssetKey("plain")
    asked = [None, "a", "b/slash", "c.d", "never"]
    assert manager.exists_many(key, asked) == set()
    for partition in ("a", "b/slash", "c.d"):
        manager.save(key, partition, pd.DataFrame({"x": [1]}))
    manager.save(other, None, pd.DataFrame({"x": [1]}))
    expected = {p for p in asked if manager.exists(key, p)}
    assert expected >= {"a", "b/slash", "c.d"}
    assert manager.exists_many(key, asked) == expected
    assert manager.exists_many(other, [None, "a"]) == {p for p in (None, "a") if manager.exists(other, p)} == {None}
