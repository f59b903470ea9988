"""``hw.Freshness``: how current an asset must be, declared on ``@hw.asset(freshness=...)``.

Pure data checked once at definition time; whether an asset is overdue is computed from the
event log by ``headwater.state.status``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from headwater.definitions.cron import check_cron, latest_tick
from headwater.errors import DefinitionError


@dataclass(frozen=True, kw_only=True)
class Freshness:
    """A freshness policy.

    Without ``cron``: the latest materialization must be younger than ``max_lag``. With
    ``cron``: by each tick of ``cron`` (in ``timezone``), the asset must have been
    materialized less than ``max_lag`` before the tick, e.g. ``cron="0 9 * * *",
    max_lag=timedelta(hours=2)`` means "data from 07:00 or later is there at 09:00".
    """

    max_lag: timedelta
    cron: str | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not isinstance(self.max_lag, timedelta) or self.max_lag <= timedelta(0):
            raise DefinitionError(
                f"hw.Freshness: max_lag must be a positive timedelta such as timedelta(hours=6), got {self.max_lag!r}"
            )
        if self.cron is not None:
            check_cron(self.cron, self.timezone, where="hw.Freshness")

    def deadline(self, now: float) -> float:
        """The oldest materialization time that still counts as on time at ``now`` (epoch seconds)."""
        anchor = latest_tick(self.cron, self.timezone, now) if self.cron is not None else now
        return anchor - self.max_lag.total_seconds()

    def describe(self) -> str:
        """``at most 6:00:00 old`` or ``at most 2:00:00 old at each '0 9 * * *' (UTC)``."""
        text = f"at most {self.max_lag} old"
        return f"{text} at each {self.cron!r} ({self.timezone})" if self.cron is not None else text


def check_freshness(value: Freshness | None, where: str) -> Freshness | None:
    """``value`` if it is a Freshness (or None); DefinitionError naming ``where`` otherwise."""
    if value is not None and not isinstance(value, Freshness):
        raise DefinitionError(f"{where}: freshness= takes hw.Freshness(max_lag=timedelta(hours=6)), got {value!r}")
    return value
