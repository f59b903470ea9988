"""Headwater: an asset-centric data orchestrator for Python.

Declare assets as plain functions; Headwater derives lineage from their
signatures, runs them, and records every event in a durable log.
"""

# Public names are imported on first use, so `headwater --help` and the web process
# start without loading SQLAlchemy and pydantic until they need them.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headwater.definitions import (
        AssetOut,
        AssetSpec,
        AutomationCondition,
        CheckResult,
        CheckSpec,
        Config,
        Context,
        Definitions,
        EnvVar,
        InProcessExecutor,
        MultiAsset,
        MultiprocessExecutor,
        Output,
        Resource,
        Retry,
        RunRequest,
        Schedule,
        SensorContext,
        SensorResult,
        SensorSpec,
        SourceAsset,
        asset,
        asset_sensor,
        check,
        eager,
        file_sensor,
        multi_asset,
        on_cron,
        on_missing,
        run_status_sensor,
        sensor,
    )
    from headwater.errors import (
        ConfigError,
        CycleError,
        DefinitionError,
        HeadwaterError,
        IOManagerError,
        RunFailed,
        SchemaVersionError,
        SelectionError,
        StepFailed,
        StorageError,
        StorageUnavailableError,
    )
    from headwater.events import Event, EventRecord, EventType, RunRecord, RunStatus
    from headwater.graph import AssetGraph
    from headwater.instance import Instance, InstanceConfig, RunResult, materialize
    from headwater.io import FilesystemIOManager, InMemoryIOManager, IOManager
    from headwater.keys import AssetKey
    from headwater.loader import find_location, load_definitions

_EXPORTS: dict[str, str] = {
    "AssetGraph": "headwater.graph",
    "AssetKey": "headwater.keys",
    "AssetOut": "headwater.definitions",
    "AssetSpec": "headwater.definitions",
    "AutomationCondition": "headwater.definitions",
    "CheckResult": "headwater.definitions",
    "CheckSpec": "headwater.definitions",
    "Config": "headwater.definitions",
    "ConfigError": "headwater.errors",
    "Context": "headwater.definitions",
    "CycleError": "headwater.errors",
    "DefinitionError": "headwater.errors",
    "Definitions": "headwater.definitions",
    "EnvVar": "headwater.definitions",
    "Event": "headwater.events",
    "EventRecord": "headwater.events",
    "EventType": "headwater.events",
    "FilesystemIOManager": "headwater.io",
    "HeadwaterError": "headwater.errors",
    "IOManager": "headwater.io",
    "IOManagerError": "headwater.errors",
    "InMemoryIOManager": "headwater.io",
    "InProcessExecutor": "headwater.definitions",
    "Instance": "headwater.instance",
    "InstanceConfig": "headwater.instance",
    "MultiAsset": "headwater.definitions",
    "MultiprocessExecutor": "headwater.definitions",
    "Output": "headwater.definitions",
    "Resource": "headwater.definitions",
    "Retry": "headwater.definitions",
    "RunFailed": "headwater.errors",
    "RunRecord": "headwater.events",
    "RunRequest": "headwater.definitions",
    "RunResult": "headwater.instance",
    "RunStatus": "headwater.events",
    "Schedule": "headwater.definitions",
    "SchemaVersionError": "headwater.errors",
    "SelectionError": "headwater.errors",
    "SensorContext": "headwater.definitions",
    "SensorResult": "headwater.definitions",
    "SensorSpec": "headwater.definitions",
    "SourceAsset": "headwater.definitions",
    "StepFailed": "headwater.errors",
    "StorageError": "headwater.errors",
    "StorageUnavailableError": "headwater.errors",
    "asset": "headwater.definitions",
    "asset_sensor": "headwater.definitions",
    "check": "headwater.definitions",
    "eager": "headwater.definitions",
    "file_sensor": "headwater.definitions",
    "find_location": "headwater.loader",
    "load_definitions": "headwater.loader",
    "materialize": "headwater.instance",
    "multi_asset": "headwater.definitions",
    "on_cron": "headwater.definitions",
    "on_missing": "headwater.definitions",
    "run_status_sensor": "headwater.definitions",
    "sensor": "headwater.definitions",
}

__version__ = "0.1.0"

__all__ = [
    "AssetGraph",
    "AssetKey",
    "AssetOut",
    "AssetSpec",
    "AutomationCondition",
    "CheckResult",
    "CheckSpec",
    "Config",
    "ConfigError",
    "Context",
    "CycleError",
    "DefinitionError",
    "Definitions",
    "EnvVar",
    "Event",
    "EventRecord",
    "EventType",
    "FilesystemIOManager",
    "HeadwaterError",
    "IOManager",
    "IOManagerError",
    "InMemoryIOManager",
    "InProcessExecutor",
    "Instance",
    "InstanceConfig",
    "MultiAsset",
    "MultiprocessExecutor",
    "Output",
    "Resource",
    "Retry",
    "RunFailed",
    "RunRecord",
    "RunRequest",
    "RunResult",
    "RunStatus",
    "Schedule",
    "SchemaVersionError",
    "SelectionError",
    "SensorContext",
    "SensorResult",
    "SensorSpec",
    "SourceAsset",
    "StepFailed",
    "StorageError",
    "StorageUnavailableError",
    "asset",
    "asset_sensor",
    "check",
    "eager",
    "file_sensor",
    "find_location",
    "load_definitions",
    "materialize",
    "multi_asset",
    "on_cron",
    "on_missing",
    "run_status_sensor",
    "sensor",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'headwater' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
