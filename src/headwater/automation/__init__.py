"""Automation: the daemon that ticks schedules, sensors and asset conditions, keeps the run queue
under its limits, and notices runs whose worker died.

It reads definitions, storage and the state layer (status, check verdicts) and starts runs as
subprocesses; it never imports the instance layer (``headwater.instance.daemon.build_daemon`` gives
a :class:`Daemon` an instance's storage, configuration and backfill driver).
"""

from headwater.automation.config import AutomationConfig, DaemonConfig, RunsConfig
from headwater.automation.daemon import Daemon, TickSummary

__all__ = ["AutomationConfig", "Daemon", "DaemonConfig", "RunsConfig", "TickSummary"]
