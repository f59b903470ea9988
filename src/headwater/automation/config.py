"""Automation settings from ``headwater.toml``: ``[runs]`` (queue limits, priority tag) and ``[daemon]``
(tick interval, heartbeat timeout, retention). Validated once by pydantic when the file is read.
"""

from __future__ import annotations

import pydantic

PRIORITY_TAG = "headwater.priority"
"""Runs with a higher integer in this tag launch first."""


class RunsConfig(pydantic.BaseModel):
    """``[runs]``: how many queued runs may run at once.

    ``tag_limits`` caps runs per tag value, e.g. ``{"team=finance" = 1}`` (a key alone, ``"team"``,
    caps each distinct value of that tag).
    """

    model_config = pydantic.ConfigDict(extra="forbid")
    max_concurrent: int = pydantic.Field(default=10, ge=1)
    tag_limits: dict[str, int] = pydantic.Field(default_factory=dict)
    priority_tag: str = PRIORITY_TAG
    start_timeout: float = pydantic.Field(default=60.0, gt=0)


class DaemonConfig(pydantic.BaseModel):
    """``[daemon]``: tick interval, when a silent run counts as dead, and retention."""

    model_config = pydantic.ConfigDict(extra="forbid")
    interval: float = pydantic.Field(default=30.0, gt=0)
    heartbeat_timeout: float = pydantic.Field(default=120.0, gt=0)
    lease_ttl: float = pydantic.Field(default=120.0, gt=0)
    retention_days: float | None = pydantic.Field(default=None, gt=0)
    keep_ticks: int | None = pydantic.Field(default=None, ge=1)


class AutomationConfig(pydantic.BaseModel):
    """Both sections, as the daemon receives them."""

    runs: RunsConfig = RunsConfig()
    daemon: DaemonConfig = DaemonConfig()
