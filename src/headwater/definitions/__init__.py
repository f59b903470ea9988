"""What users declare: assets, checks, resources, config and executors, as frozen data.

No I/O happens here; the graph, execution and storage layers read these objects.
"""

from headwater.definitions import builtin_checks as checks
from headwater.definitions.alert import Alert, AlertTarget
from headwater.definitions.asset import (
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
from headwater.definitions.conditions import AutomationCondition, eager, on_cron, on_missing
from headwater.definitions.context import Context, StepLogger
from headwater.definitions.declared import DEFAULT_GROUP
from headwater.definitions.definitions import CodeLocation, Definitions
from headwater.definitions.executors import DaskExecutor, ExecutorSpec, InProcessExecutor, MultiprocessExecutor
from headwater.definitions.freshness import Freshness
from headwater.definitions.job import Job
from headwater.definitions.output import CheckResult, MaterializeResult, Output
from headwater.definitions.params import Param, ParamKind
from headwater.definitions.publish import AFTER_CHECKS, PublishGroup
from headwater.definitions.resources import Config, EnvVar, Resource
from headwater.definitions.retry import Retry
from headwater.definitions.schedule import Schedule
from headwater.definitions.sensor import (
    RunRequest,
    SensorContext,
    SensorResult,
    SensorSpec,
    asset_sensor,
    file_sensor,
    multi_asset_sensor,
    run_status_sensor,
    sensor,
)

__all__ = [
    "AFTER_CHECKS",
    "DEFAULT_GROUP",
    "DEFAULT_IO_MANAGER",
    "Alert",
    "AlertTarget",
    "AssetOut",
    "AssetSpec",
    "AutomationCondition",
    "CheckResult",
    "CheckSpec",
    "CodeLocation",
    "Config",
    "Context",
    "DaskExecutor",
    "Definitions",
    "EnvVar",
    "ExecutorSpec",
    "Freshness",
    "InProcessExecutor",
    "Job",
    "MaterializeResult",
    "MultiAsset",
    "MultiprocessExecutor",
    "Op",
    "Output",
    "Param",
    "ParamKind",
    "PublishGroup",
    "Resource",
    "Retry",
    "RunRequest",
    "Schedule",
    "SensorContext",
    "SensorResult",
    "SensorSpec",
    "SourceAsset",
    "StepLogger",
    "asset",
    "asset_sensor",
    "check",
    "checks",
    "eager",
    "file_sensor",
    "multi_asset",
    "multi_asset_sensor",
    "on_cron",
    "on_missing",
    "run_status_sensor",
    "sensor",
]
