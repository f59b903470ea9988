"""The composition root: configuration -> storage, IO managers and executors; runs."""

from headwater.instance.config import InstanceConfig, load_config
from headwater.instance.instance import Instance
from headwater.instance.materialize import materialize
from headwater.instance.result import RunResult

__all__ = ["Instance", "InstanceConfig", "RunResult", "load_config", "materialize"]
