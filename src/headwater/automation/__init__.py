"""Automation: the daemon that ticks schedules, sensors and asset conditions, keeps the run queue
under its limits, and notices runs whose worker died.

It reads definitions and storage and starts runs as subprocesses; it never imports the instance
layer (the CLI composes an Instance's storage and configuration into a :class:`Daemon`).
"""

from headwater.automation.config import AutomationConfig, DaemonConfig, RunsConfig
from headwater.automation.daemon import Daemon, TickSummary

__all__ = ["AutomationConfig", "Daemon", "DaemonConfig", "RunsConfig", "TickSummary"]
