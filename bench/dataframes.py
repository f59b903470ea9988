"""DataFrame IO benchmarks: Parquet and DuckDB against pickle, per-asset overhead, column lineage.

F1 save + load of a 1,000,000-row pandas frame: pickle, Parquet, DuckDB table (and file sizes).
F2 per-asset cost of a 100-asset chain of small frames stored as Parquet against pickle, and
   the bytes each materialization event takes (the recorded rows/schema/preview metadata).
F3 a SQL asset aggregating the 1,000,000-row table inside DuckDB.
F4 column lineage of one asset in the middle of a 1,000-asset graph (10 columns each).

Usage: python bench/dataframes.py [--quick]. Prints JSON; medians of several runs.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from timing import median_time  # noqa: E402

import headwater as hw  # noqa: E402
from headwater.events import EventType  # noqa: E402
from headwater.storage import Storage  # noqa: E402


def big_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "customer": rng.integers(0, 1000, rows),
            "amount": rng.normal(50, 10, rows),
            "day": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"),
            "country": rng.choice(["fr", "de", "us", "jp"], rows),
        }
    )


def f1_round_trip(folder: Path, frame: pd.DataFrame, repeat: int) -> dict[str, Any]:
    key = hw.AssetKey("orders")
    managers: dict[str, hw.IOManager] = {
        "pickle": hw.FilesystemIOManager(folder / "pickle"),
        "parquet": hw.ParquetIOManager(folder / "parquet"),
        "duckdb": hw.DuckDBIOManager(folder / "w.duckdb"),
    }
    out: dict[str, Any] = {"rows": len(frame)}
    for name, manager in managers.items():
        out[f"{name}_save_s"] = round(median_time(lambda m=manager: m.save(key, None, frame), repeat), 3)
        out[f"{name}_load_s"] = round(median_time(lambda m=manager: m.load(key, None), repeat), 3)
    out["pickle_bytes"] = (folder / "pickle" / "orders.pkl").stat().st_size
    out["parquet_bytes"] = (folder / "parquet" / "orders.parquet").stat().st_size
    return out


def _root() -> pd.DataFrame:
    return pd.DataFrame({"id": range(10), "value": [1.0] * 10, "label": ["x"] * 10})


def _step(parent: pd.DataFrame) -> pd.DataFrame:
    return parent.assign(value=parent["value"] + 1)


def _chain(n: int, io_manager: str) -> list[Any]:
    """c000 -> c001 -> ... of small frames, each adding one to a column."""
    assets = [hw.asset(name="c000", io_manager=io_manager)(_root)]
    for i in range(1, n):
        assets.append(hw.asset(name=f"c{i:03d}", io_manager=io_manager, ins={"parent": f"c{i - 1:03d}"})(_step))
    return assets


def f2_per_asset(folder: Path, repeat: int, n: int = 100) -> dict[str, Any]:
    out: dict[str, Any] = {"assets": n}
    for label, io_name in (("pickle", "io_manager"), ("parquet", "lake")):
        defs = hw.Definitions(
            assets=_chain(n, io_name), io_managers={"lake": hw.ParquetIOManager(folder / f"lake-{label}")}
        )
        instance = hw.Instance(Storage.in_memory(), hw.FilesystemIOManager(folder / f"values-{label}"))
        seconds = median_time(lambda d=defs, i=instance: i.materialize(d).raise_on_failure(), repeat)
        result = instance.materialize(defs)
        sizes = [len(json.dumps(e.data)) for e in result.of_type(EventType.ASSET_MATERIALIZED)]
        out[f"{label}_ms_per_asset"] = round(seconds / n * 1000, 2)
        out[f"{label}_event_bytes_median"] = sorted(sizes)[len(sizes) // 2]
        instance.close()
    return out


def f3_sql(folder: Path, frame: pd.DataFrame, repeat: int) -> dict[str, Any]:
    @hw.asset(io_manager="warehouse")
    def orders() -> pd.DataFrame:
        return frame

    by_country = hw.sql_asset(
        "by_country",
        "SELECT country, count(*) AS orders, sum(amount) AS amount FROM {{ orders }} GROUP BY country",
        io_manager="warehouse",
    )
    defs = hw.Definitions(
        assets=[orders, by_country], io_managers={"warehouse": hw.DuckDBIOManager(folder / "sql.duckdb")}
    )
    with hw.Instance.ephemeral() as instance:
        instance.materialize(defs).raise_on_failure()
        seconds = median_time(lambda: instance.materialize(defs, "by_country").raise_on_failure(), repeat)
    return {"rows": len(frame), "sql_asset_run_s": round(seconds, 3)}


def f4_column_lineage(repeat: int, n: int = 1000) -> dict[str, Any]:
    """A layered graph (as in BENCHMARKS.md) whose materializations record 10 columns each."""
    import graphs

    defs = hw.Definitions(assets=graphs.layered_assets(n))
    graph = hw.AssetGraph.from_definitions(defs)
    schema = {f"col{j}": "int64" for j in range(10)}
    with hw.Instance.ephemeral() as instance:
        events = [
            hw.Event(
                run_id="bench",
                type=EventType.ASSET_MATERIALIZED,
                asset_key=key,
                data={"metadata": {"rows": 1, "schema": schema}},
            )
            for key in graph.nodes
        ]
        instance.storage.add_run(hw.RunRecord(run_id="bench", selection="*", asset_keys=frozenset(graph.nodes)))
        instance.storage.store_events(events)
        middle = f"a{n // 2:05d}"
        seconds = median_time(lambda: hw.column_lineage(instance, graph, middle), repeat)
        found = hw.column_lineage(instance, graph, middle)
    linked = sum(len(c.upstream) + len(c.downstream) for c in found.columns)
    return {"assets": n, "columns_per_asset": 10, "links": linked, "lineage_s": round(seconds, 3)}


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 2 if quick else 5
    rows = 200_000 if quick else 1_000_000
    frame = big_frame(rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures = {
            "F1_round_trip": f1_round_trip(folder, frame, repeat),
            "F2_per_asset": f2_per_asset(folder, repeat),
            "F3_sql_asset": f3_sql(folder, frame, repeat),
            "F4_column_lineage": f4_column_lineage(repeat),
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
