"""Headwater: an asset-centric data orchestrator for Python.

Declare assets as plain functions; Headwater derives lineage from their
signatures, runs them, and records every event in a durable log.
"""

from headwater.definitions import (
    AssetOut,
    AssetSpec,
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
    SourceAsset,
    asset,
    check,
    multi_asset,
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

__version__ = "0.1.0"

__all__ = [
    "AssetGraph",
    "AssetKey",
    "AssetOut",
    "AssetSpec",
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
    "RunFailed",
    "RunRecord",
    "RunResult",
    "RunStatus",
    "SchemaVersionError",
    "SelectionError",
    "SourceAsset",
    "StepFailed",
    "StorageError",
    "StorageUnavailableError",
    "asset",
    "check",
    "find_location",
    "load_definitions",
    "materialize",
    "multi_asset",
]
