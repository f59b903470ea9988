"""ParquetIOManager against real pandas, polars, pyarrow and fsspec filesystems."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import fsspec
import pandas as pd
import polars as pl
import pytest

import headwater as hw
from headwater.events import EventType
from headwater.state.diff import diff


class Opaque:
    """A Python object no table format can hold."""


def orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4, 5, 6],
            "amount": [12.5, 3.0, 7.25, 1.0, 2.0, 8.0],
            "customer": ["ann", "bob", "ann", "cy", "bob", "dee"],
            "day": pd.to_datetime(["2026-01-01"] * 3 + ["2026-01-02"] * 3),
        }
    )


def test_pandas_round_trip_layout_and_metadata(tmp_path: Path) -> None:
    io = hw.ParquetIOManager(tmp_path)
    key = hw.AssetKey("mart", "orders")
    stored = io.save(key, None, orders_frame())
    assert io.path_for(key, None) == str(tmp_path / "mart" / "orders.parquet")
    pd.testing.assert_frame_equal(io.load(key, None), orders_frame())
    metadata = stored["metadata"]
    assert metadata["rows"] == 6
    assert metadata["schema"] == {
        "order_id": "int64",
        "amount": "float64",
        "customer": "str",
        "day": "datetime64[us]",
    }
    assert len(metadata["preview"]) == 5
    assert metadata["preview"][0]["customer"] == "ann"
    assert len(stored["hash"]) == 16
    assert io.save(key, None, orders_frame())["hash"] == stored["hash"]  # same data, same version
    io.save(key, "2026-01-02", orders_frame().tail(3))
    assert (tmp_path / "mart" / "orders" / "2026-01-02.parquet").is_file()
    assert len(io.load(key, "2026-01-02")) == 3
    assert io.exists(key, "2026-01-02")
    assert not io.exists(key, "2026-01-03")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["2026-01-02.parquet", "mart", "orders", "orders.parquet"]


def test_polars_frames_load_as_polars(tmp_path: Path) -> None:
    io = hw.ParquetIOManager(tmp_path)
    frame = pl.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    stored = io.save(hw.AssetKey("people"), None, frame)
    loaded = io.load(hw.AssetKey("people"), None)
    assert isinstance(loaded, pl.DataFrame)
    assert loaded.equals(frame)
    assert stored["metadata"]["schema"] == {"id": "Int64", "name": "String"}
    assert stored["metadata"]["preview"] == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


@pytest.mark.parametrize("scheme", ["file", "memory"])
def test_fsspec_urls(tmp_path: Path, scheme: str) -> None:
    base = f"file://{tmp_path}/lake" if scheme == "file" else f"memory://headwater-{uuid.uuid4().hex}"
    io = hw.ParquetIOManager(base, storage_options={})
    key = hw.AssetKey("raw", "orders")
    io.save(key, None, orders_frame())
    io.save(key, "2026-01-01", orders_frame().head(2))
    assert io.path_for(key, None) == f"{base}/raw/orders.parquet"
    pd.testing.assert_frame_equal(io.load(key, None), orders_frame())
    assert len(io.load(key, "2026-01-01")) == 2
    fs, root = fsspec.core.url_to_fs(base)
    names = sorted(p.rsplit("/", 1)[-1] for p in fs.find(root))
    assert names == ["2026-01-01.parquet", "orders.parquet"]  # no temporary file left
    assert io.exists(key, "2026-01-01")
    missing = r"asset 'raw/orders' partition 'x' has no Parquet file at .*x\.parquet"
    with pytest.raises(hw.IOManagerError, match=missing):
        io.load(key, "x")


def test_materialization_records_rows_schema_and_preview(tmp_path: Path) -> None:
    @hw.asset(io_manager="lake")
    def orders() -> pd.DataFrame:
        return orders_frame()

    @hw.asset(io_manager="lake")
    def totals(orders: pd.DataFrame) -> pd.DataFrame:
        return orders.groupby("customer", as_index=False)["amount"].sum()

    defs = hw.Definitions(assets=[orders, totals], io_managers={"lake": hw.ParquetIOManager(tmp_path)})
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(defs)
        assert result.success
        metadata = result.metadata_of("orders")
        assert metadata["rows"] == 6
        assert metadata["schema"]["day"] == "datetime64[us]"
        assert metadata["preview"][0] == {
            "order_id": 1,
            "amount": 12.5,
            "customer": "ann",
            "day": "2026-01-01 00:00:00",
        }
        json.dumps(metadata)  # the event holds JSON-safe values
        assert result.metadata_of("totals")["rows"] == 4
        assert result.value_of("totals").set_index("customer")["amount"]["ann"] == 19.75
        assert [p.value for p in instance.metadata_history("orders", "rows")] == [6]


def test_diff_reads_the_recorded_schema(tmp_path: Path) -> None:
    wide = {"yes": False}

    @hw.asset(io_manager="lake")
    def orders() -> pd.DataFrame:
        frame = orders_frame()
        return frame.assign(vat=frame["amount"] * 0.2) if wide["yes"] else frame

    defs = hw.Definitions(assets=[orders], io_managers={"lake": hw.ParquetIOManager(tmp_path)})
    with hw.Instance.ephemeral() as instance:
        instance.materialize(defs)
        wide["yes"] = True
        instance.materialize(defs)
        found = diff(instance.storage, hw.AssetKey("orders"))
    assert found["schema"]["added"] == {"vat": "float64"}
    assert found["rows"]["delta"] == 0
    assert found["data_version_changed"]


def test_unstorable_column_fails_the_step_and_keeps_the_old_file(tmp_path: Path) -> None:
    broken = {"yes": False}

    @hw.asset(io_manager="lake")
    def events() -> pd.DataFrame:
        frame = orders_frame()
        return frame.assign(payload=[Opaque() for _ in range(len(frame))]) if broken["yes"] else frame

    io = hw.ParquetIOManager(tmp_path)
    defs = hw.Definitions(assets=[events], io_managers={"lake": io})
    with hw.Instance.ephemeral() as instance:
        assert instance.materialize(defs).success
        before = (tmp_path / "events.parquet").read_bytes()
        broken["yes"] = True
        result = instance.materialize(defs)
        assert not result.success
        [failure] = result.of_type(EventType.STEP_FAILED)
    error = failure.data["error"]
    assert "asset 'events': column 'payload' holds Opaque values, which Parquet cannot store" in error
    assert "astype(str)" in error
    assert (tmp_path / "events.parquet").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]


def test_values_parquet_cannot_hold(tmp_path: Path) -> None:
    io = hw.ParquetIOManager(tmp_path)
    key = hw.AssetKey("mixed")
    with pytest.raises(hw.IOManagerError, match="column 'o' holds Python object values, which Parquet cannot store"):
        io.save(key, None, pl.DataFrame({"a": [1], "o": [Opaque()]}))
    with pytest.raises(hw.IOManagerError, match=r"asset 'mixed': column 'v' cannot be stored in Parquet \(Arrow"):
        io.save(key, None, pd.DataFrame({"v": [1, "x"]}))
    not_a_frame = "ParquetIOManager stores pandas or polars DataFrames, and the asset returned builtins.list"
    with pytest.raises(hw.IOManagerError, match=not_a_frame):
        io.save(key, None, [{"a": 1}])
    assert list(tmp_path.iterdir()) == []


def test_missing_pyarrow_names_the_extra(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "import pandas as pd, headwater as hw\n"
        f"io = hw.ParquetIOManager({str(tmp_path)!r})\n"
        "try:\n"
        "    io.save(hw.AssetKey('a'), None, pd.DataFrame({'x': [1]}))\n"
        "except hw.ConfigError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    hint = "ParquetIOManager needs pyarrow, which is not installed: pip install 'headwater[pandas]'"
    assert done.stdout.strip() == hint


WORKERS = """
import os
import pandas as pd
import headwater as hw

@hw.asset(io_manager="lake")
def source() -> pd.DataFrame:
    return pd.DataFrame({"n": range(10)})

def branch(i):
    @hw.asset(name=f"b{i}", io_manager="warehouse")
    def made(source: pd.DataFrame) -> pd.DataFrame:
        return source.assign(pid=os.getpid(), i=i)
    return made

parts = [f"SELECT * FROM {{{{ b{i} }}}}" for i in range(4)]
union = hw.sql_asset("union", " UNION ALL ".join(parts), io_manager="warehouse")

defs = hw.Definitions(
    assets=[source, *[branch(i) for i in range(4)], union],
    io_managers={"lake": hw.ParquetIOManager("lake"), "warehouse": hw.DuckDBIOManager("warehouse.duckdb")},
    executor=hw.MultiprocessExecutor(max_workers=2),
)
"""


def test_worker_processes_use_parquet_and_duckdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project.py").write_text(WORKERS)
    defs = hw.load_definitions(hw.find_location(file=tmp_path / "project.py"))
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as instance:
        result = instance.materialize(defs)
        assert result.success, instance.failed_step_errors(result.run_id)
        union = result.value_of("union")
    assert len(union) == 40
    assert sorted(set(union["i"])) == [0, 1, 2, 3]
    assert os.getpid() not in set(union["pid"])  # made in worker processes
    assert (tmp_path / "lake" / "source.parquet").is_file()
