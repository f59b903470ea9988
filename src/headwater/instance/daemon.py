"""The daemon of an instance: automation on its storage and configuration, with its run processes
told where the event log is, and the backfills handed to it advanced each tick.

The daemon itself (``headwater.automation``) computes status, check verdicts and the run queue from
storage; this composition root only adds what lives above automation (the backfill driver, the
instance's configuration).
"""

from __future__ import annotations

from headwater.automation import Daemon
from headwater.automation.launcher import run_log_dir
from headwater.definitions import Definitions
from headwater.instance.backfill_queue import BackfillDriver
from headwater.instance.core import InstanceCore


def build_daemon(instance: InstanceCore, defs: Definitions, *, owner: str | None = None) -> Daemon:
    """A Daemon for ``defs`` on the instance's storage, under its ``[daemon]``/``[runs]`` configuration."""
    config = instance.config
    if config is None:
        return Daemon(instance.storage, defs, owner=owner, extra_work={"backfills": BackfillDriver(instance, defs)})
    return Daemon(
        instance.storage,
        defs,
        config=config.automation,
        env={"HEADWATER_HOME": config.home, "HEADWATER_STORAGE_URL": config.storage_url},
        log_dir=str(run_log_dir(config.home)),
        owner=owner,
        extra_work={"backfills": BackfillDriver(instance, defs)},
    )
