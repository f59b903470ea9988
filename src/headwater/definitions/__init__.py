"""What users declare: assets, checks, resources, config and executors, as frozen data.

No I/O happens here; the graph, execution and storage layers read these objects.
"""

from headwater.definitions.asset import (
    DEFAULT_GROUP,
    DEFAULT_IO_MANAGER,
    AssetOut,
    AssetSpec,
    MultiAsset,
    Op,
    SourceAsset,
    asset,
    multi_asset,
)
from headwater.definitions.check import CheckSpec, check
from headwater.definitions.context import Context, StepLogger
from headwater.definitions.definitions import CodeLocation, Definitions
from headwater.definitions.executors import ExecutorSpec, InProcessExecutor, MultiprocessExecutor
from headwater.definitions.output import CheckResult, Output
from headwater.definitions.params import Param, ParamKind
from headwater.definitions.resources import Config, EnvVar, Resource
from headwater.definitions.retry import Retry

__all__ = [
    "DEFAULT_GROUP",
    "DEFAULT_IO_MANAGER",
    "AssetOut",
    "AssetSpec",
    "CheckResult",
    "CheckSpec",
    "CodeLocation",
    "Config",
    "Context",
    "Definitions",
    "EnvVar",
    "ExecutorSpec",
    "InProcessExecutor",
    "MultiAsset",
    "MultiprocessExecutor",
    "Op",
    "Output",
    "Param",
    "ParamKind",
    "Resource",
    "Retry",
    "SourceAsset",
    "StepLogger",
    "asset",
    "check",
    "multi_asset",
]
