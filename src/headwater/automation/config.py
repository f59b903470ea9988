"""Automation settings from ``headwater.toml``: ``[runs]`` (queue limits, priority tag, pools),
``[daemon]`` (tick interval, heartbeat timeout), ``[retention]`` and ``[alerts]``. Validated once by
pydantic when the file is read.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pydantic

from headwater.automation.alert_config import RuleConfig, TargetConfig, check_rules
from headwater.definitions.alert import LOG_TARGET, Alert, AlertTarget
from headwater.tags import PRIORITY

PRIORITY_TAG = PRIORITY
DAEMON_LEASE = "daemon"
"""The lease the daemon (or, with none running, the web server's queue launcher) holds to launch runs."""
"""Runs with a higher integer in this tag launch first."""


class RunsConfig(pydantic.BaseModel):
    """``[runs]``: how many queued runs may run at once.

    ``tag_limits`` caps runs per tag value, e.g. ``{"team=finance" = 1}`` (a key alone, ``"team"``,
    caps each distinct value of that tag). ``pools`` caps the steps of each pool running at once
    across all runs (``[runs.pools] warehouse = 2`` for assets with ``pool="warehouse"``).
    """

    model_config = pydantic.ConfigDict(extra="forbid")
    max_concurrent: int = pydantic.Field(default=10, ge=1)
    tag_limits: dict[str, int] = pydantic.Field(default_factory=dict)
    pools: dict[str, Annotated[int, pydantic.Field(ge=1)]] = pydantic.Field(default_factory=dict)
    priority_tag: str = PRIORITY_TAG
    max_retries: int = pydantic.Field(default=0, ge=0)
    """Times a failed run is queued again from failure by the daemon (a run's ``headwater/max_retries``
    tag overrides it); canceled runs are never retried."""
    start_timeout: float = pydantic.Field(default=60.0, gt=0)
    spare_workers: int = pydantic.Field(default=1, ge=0)
    """Run processes the running daemon keeps started (Headwater imported, definitions loaded) per code
    location, so a queued run starts without that cost; 0 starts a new process per run."""
    spare_max_age: float = pydantic.Field(default=300.0, gt=0)
    """Seconds after which an unused spare is replaced, so runs pick up edited code."""


class DaemonConfig(pydantic.BaseModel):
    """``[daemon]``: tick interval, when a silent run counts as dead, and retention."""

    model_config = pydantic.ConfigDict(extra="forbid")
    interval: float = pydantic.Field(default=30.0, gt=0)
    queue_poll: float = pydantic.Field(default=0.1, gt=0)
    """Seconds between looks at the run queue between ticks, so a queued run launches promptly."""
    heartbeat_timeout: float = pydantic.Field(default=120.0, gt=0)
    lease_ttl: float = pydantic.Field(default=120.0, gt=0)
    retention_days: float | None = pydantic.Field(default=None, gt=0)  # older spelling of [retention] *_days
    keep_ticks: int | None = pydantic.Field(default=None, ge=1)  # older spelling of [retention] keep_ticks


class RetentionConfig(pydantic.BaseModel):
    """``[retention]``: how long finished runs (with their events and logs) and ticks are kept.

    Each of ``runs_days``/``ticks_days`` (age) and ``keep_runs``/``keep_ticks`` (the most recent
    count) deletes what is older or beyond; unset keeps everything. The events of each asset's latest
    materialization and observation are always kept, so status and lineage stay whole.
    """

    model_config = pydantic.ConfigDict(extra="forbid")
    runs_days: float | None = pydantic.Field(default=None, gt=0)
    keep_runs: int | None = pydantic.Field(default=None, ge=1)
    ticks_days: float | None = pydantic.Field(default=None, gt=0)
    keep_ticks: int | None = pydantic.Field(default=None, ge=1)
    interval: float = pydantic.Field(default=3600.0, gt=0)
    """Seconds between the daemon's retention passes."""
    batch_size: int = pydantic.Field(default=1000, ge=1)
    """Rows deleted per transaction, so a large prune never holds the database for long."""

    @property
    def enabled(self) -> bool:
        """Whether any limit is set."""
        return any(v is not None for v in (self.runs_days, self.keep_runs, self.ticks_days, self.keep_ticks))


class AlertsConfig(pydantic.BaseModel):
    """``[alerts]``: who is told when runs fail, checks fail or warn, assets or partitions are overdue,
    automation goes quiet or an upstream update does not arrive.

    ``[alerts.targets.NAME]`` declares where alerts go (``type = "webhook"``, ``"slack"``, ``"email"``
    or ``"log"``) and each ``[[alerts.rules]]`` an ``hw.Alert`` (``name``, ``on``, ``targets``, ...).
    ``base_url`` is where the web UI is reached, for the link in each alert. The older flat form,
    ``webhook`` (each run as JSON: ``run_id``, ``status``, ``error``, ``selection``) with ``log``
    and ``on = "failure" | "success"``, still adds a run-status sensor.
    """

    model_config = pydantic.ConfigDict(extra="forbid")
    webhook: str | None = pydantic.Field(default=None, pattern=r"^https?://")
    log: bool = False
    on: Literal["failure", "success"] = "failure"
    interval: float = pydantic.Field(default=30.0, gt=0)
    base_url: str = pydantic.Field(default="http://127.0.0.1:3000", pattern=r"^https?://")
    targets: dict[str, TargetConfig] = pydantic.Field(default_factory=dict)
    rules: list[RuleConfig] = pydantic.Field(default_factory=list)

    @pydantic.model_validator(mode="after")
    def _rules_fit(self) -> AlertsConfig:
        check_rules(self.rules, self.targets)
        return self

    @property
    def enabled(self) -> bool:
        """Whether the older flat form sends run alerts anywhere."""
        return self.webhook is not None or self.log

    def declared_targets(self) -> dict[str, AlertTarget]:
        """Every ``[alerts.targets.NAME]`` by name, with ``log``."""
        return {"log": LOG_TARGET, **{name: t.target(name) for name, t in self.targets.items()}}

    def alerts(self) -> list[Alert]:
        """Every ``[[alerts.rules]]`` as an ``hw.Alert``."""
        return [rule.alert() for rule in self.rules]


class AutomationConfig(pydantic.BaseModel):
    """Every automation section, as the daemon receives them."""

    runs: RunsConfig = RunsConfig()
    daemon: DaemonConfig = DaemonConfig()
    retention: RetentionConfig = RetentionConfig()
    alerts: AlertsConfig = AlertsConfig()

    def retention_limits(self) -> RetentionConfig:
        """``[retention]``, falling back to the older ``[daemon] retention_days`` and ``keep_ticks``."""
        old = self.daemon
        fallback = {
            "runs_days": old.retention_days,
            "ticks_days": old.retention_days,
            "keep_ticks": old.keep_ticks,
        }
        missing = {k: v for k, v in fallback.items() if v is not None and getattr(self.retention, k) is None}
        return self.retention.model_copy(update=missing) if missing else self.retention
