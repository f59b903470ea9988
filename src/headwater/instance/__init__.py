"""The composition root: configuration -> storage, IO managers and executors; runs."""

from typing import TYPE_CHECKING

from headwater.lazy import lazy_attributes as _lazy_attributes

if TYPE_CHECKING:
    from headwater.instance.config import InstanceConfig, load_config
    from headwater.instance.instance import Instance
    from headwater.instance.materialize import materialize
    from headwater.instance.result import RunResult

_EXPORTS = {
    "InstanceConfig": "headwater.instance.config",
    "load_config": "headwater.instance.config",
    "Instance": "headwater.instance.instance",
    "materialize": "headwater.instance.materialize",
    "RunResult": "headwater.instance.result",
}
__getattr__, __dir__ = _lazy_attributes(__name__, _EXPORTS, globals())

__all__ = ["Instance", "InstanceConfig", "RunResult", "load_config", "materialize"]
