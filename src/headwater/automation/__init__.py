"""Automation: the daemon that ticks schedules, sensors and asset conditions, keeps the run queue
under its limits, and notices runs whose worker died.

It reads definitions, storage and the state layer (status, check verdicts) and starts runs as
subprocesses; it never imports the instance layer (``headwater.instance.daemon.build_daemon`` gives
a :class:`Daemon` an instance's storage, configuration and backfill driver).
"""

from typing import TYPE_CHECKING

from headwater.lazy import lazy_attributes as _lazy_attributes

if TYPE_CHECKING:
    from headwater.automation.config import AutomationConfig, DaemonConfig, RunsConfig
    from headwater.automation.daemon import Daemon, TickSummary

_EXPORTS = {
    **dict.fromkeys(("AutomationConfig", "DaemonConfig", "RunsConfig"), "headwater.automation.config"),
    **dict.fromkeys(("Daemon", "TickSummary"), "headwater.automation.daemon"),
}
__getattr__, __dir__ = _lazy_attributes(__name__, _EXPORTS, globals())

__all__ = ["AutomationConfig", "Daemon", "DaemonConfig", "RunsConfig", "TickSummary"]
