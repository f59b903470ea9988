"""Data diff between two materializations of an asset: versions, metadata, inputs, rows and schema.

Reads the two events only (their ``shape``, or an IO manager's ``rows`` and ``schema`` metadata,
give row counts and column types), so it works after the values themselves were overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headwater.errors import SelectionError
from headwater.events import AssetMaterialized, EventRecord, EventType
from headwater.keys import AssetKey
from headwater.state.columns import recorded_shape
from headwater.state.history import numeric
from headwater.storage import Storage


def materialization_in_run(storage: Storage, key: AssetKey, run_id: str) -> EventRecord:
    """The materialization of ``key`` in run ``run_id``; SelectionError when the run did not make one."""
    found = [r for r in storage.get_events(run_id, types=[EventType.ASSET_MATERIALIZED]) if r.event.asset_key == key]
    if not found:
        raise SelectionError(
            f"run {run_id[:8]} did not materialize '{key}': `headwater assets show {key}` lists the runs that did"
        )
    return found[-1]


def _side(record: EventRecord) -> dict[str, Any]:
    event = record.event
    made = AssetMaterialized.from_data(event.data)
    return {
        "run_id": event.run_id,
        "timestamp": event.timestamp,
        "partition": event.partition,
        "data_version": made.data_version,
        "code_version": made.code_version,
    }


def diff(storage: Storage, key: AssetKey, run_a: str | None = None, run_b: str | None = None) -> dict[str, Any]:
    """Compare two materializations of ``key``: those of ``run_a`` and ``run_b``, else the latest two.

    With only ``run_a``, it is compared with the latest materialization.
    """
    if run_a is None:
        latest = storage.asset_events(key, limit=2)
        if len(latest) < 2:
            raise SelectionError(
                f"asset '{key}' has {len(latest)} materialization(s); a diff needs two: materialize it again, "
                "or name two runs (`headwater assets diff KEY RUN_A RUN_B`)"
            )
        a, b = latest[1], latest[0]
    else:
        a = materialization_in_run(storage, key, run_a)
        if run_b is not None:
            b = materialization_in_run(storage, key, run_b)
        else:
            newest = storage.asset_events(key, limit=1)
            b = newest[0] if newest else a
    if a.id > b.id:
        a, b = b, a
    made_a, made_b = AssetMaterialized.from_data(a.event.data), AssetMaterialized.from_data(b.event.data)
    out: dict[str, Any] = {
        "key": key.to_string(),
        "a": _side(a),
        "b": _side(b),
        "data_version_changed": made_a.data_version != made_b.data_version,
        "code_version_changed": made_a.code_version != made_b.code_version,
        "metadata": _metadata(made_a.metadata, made_b.metadata),
        "inputs": _inputs(made_a.inputs or {}, made_b.inputs or {}),
    }
    out.update(_shape(recorded_shape(made_a), recorded_shape(made_b)))
    return out


def _metadata(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        row: dict[str, Any] = {"name": name, "a": a, "b": b, "changed": a != b}
        if numeric(a) and numeric(b):
            row["delta"] = b - a
            row["percent"] = round((b - a) / abs(a) * 100, 2) if a else None
        rows.append(row)
    return rows


def _inputs(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    return {k: {"a": old.get(k), "b": new.get(k)} for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def _shape(before: Any, after: Any) -> dict[str, Any]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return {"rows": None, "schema": None}
    rows_a, rows_b = before.get("rows"), after.get("rows")
    rows = {"a": rows_a, "b": rows_b, "delta": rows_b - rows_a if numeric(rows_a) and numeric(rows_b) else None}
    cols_a = _columns(before)
    cols_b = _columns(after)
    schema = {
        "added": {c: t for c, t in cols_b.items() if c not in cols_a},
        "removed": {c: t for c, t in cols_a.items() if c not in cols_b},
        "changed": {c: {"a": cols_a[c], "b": t} for c, t in cols_b.items() if c in cols_a and cols_a[c] != t},
    }
    return {"rows": rows, "schema": schema}


def _columns(shape: dict[str, Any]) -> dict[str, Any]:
    columns = shape.get("columns")
    return columns if isinstance(columns, dict) else {}
