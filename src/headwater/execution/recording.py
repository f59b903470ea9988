"""What a step records of each value it made: metadata made JSON-safe and the materialization
event, with its data version (given, else the stored bytes' hash, else the run and step).

A ``hw.MaterializeResult`` stores nothing; a ``None`` value is stored but versioned by its run,
since the hash of an empty value would never change.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from headwater.definitions import MaterializeResult, Output
from headwater.events import AssetMaterialized, Event, EventType
from headwater.execution.shape import describe_value
from headwater.io import IOManager
from headwater.keys import AssetKey


def json_safe(value: Any) -> Any:
    """Metadata made JSON-safe: numbers, strings, bools, None, lists and dicts; others as text."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def record_value(
    io: IOManager,
    key: AssetKey,
    partition: str | None,
    result: Any,
    *,
    run_id: str,
    step_key: str,
    code_version: str | None,
    extra: Mapping[str, Any] | None,
    stage: bool = False,
) -> tuple[Any, Event]:
    """Store what the asset function returned for ``key`` (unless it is a MaterializeResult) and
    return the value and its ``ASSET_MATERIALIZED`` event; with ``stage``, the value is staged under
    the run's id and the event is ``ASSET_STAGED`` (published once its checks pass)."""
    value, metadata, data_version = _unwrap(result)
    if isinstance(result, MaterializeResult):  # nothing stored, so nothing to hold back
        stored, stage = None, False
    else:
        stored = io.stage(key, partition, value, run_id) if stage else io.save(key, partition, value)
    recorded = stored.get("metadata") if isinstance(stored, Mapping) else None
    if recorded:  # what the IO manager reports about the stored value (rows, schema, ...)
        metadata = {**json_safe(recorded), **metadata}
    if extra:
        metadata = {**metadata, **json_safe(extra)}
    value_hash = _value_hash(stored)
    if data_version is None:
        data_version = value_hash if value_hash is not None and value is not None else f"{run_id}:{step_key}"
    materialized = AssetMaterialized(
        data_version=data_version,
        code_version=code_version,
        metadata=metadata,
        shape=describe_value(value) if stored is not None else None,
        value_hash=value_hash,
    )
    event = Event(
        run_id=run_id,
        type=EventType.ASSET_STAGED if stage else EventType.ASSET_MATERIALIZED,
        timestamp=time.time(),
        step_key=step_key,
        asset_key=key,
        partition=partition,
        data=materialized.to_data(),
    )
    return value, event


def _value_hash(stored: Mapping[str, Any] | None) -> str | None:
    """The hash the IO manager gave of the stored bytes, if it gave one."""
    digest = stored.get("hash") if isinstance(stored, Mapping) else None
    return digest if isinstance(digest, str) and digest else None


def _unwrap(result: Any) -> tuple[Any, dict[str, Any], str | None]:
    """The value, the metadata and the data version the asset function gave."""
    if isinstance(result, (Output, MaterializeResult)):
        metadata = json_safe(result.metadata) if result.metadata else {}
        version = str(result.data_version) if result.data_version is not None else None
        return (result.value if isinstance(result, Output) else None), metadata, version
    return result, {}, None
