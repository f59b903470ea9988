"""``hw.Schedule``: run a selection of assets on a cron schedule.

Pure data, checked once when declared; the automation daemon ticks it. Missed ticks while the
daemon was down follow ``missed_ticks``: ``"latest"`` (the default) runs the latest one once,
``"all"`` runs each (up to 100), ``"skip"`` runs none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from typing import Any, Final

from headwater.definitions.cron import check_cron
from headwater.errors import DefinitionError
from headwater.keys import check_key_part

MISSED_TICK_POLICIES: Final = ("latest", "all", "skip")
DEFAULT_STATUSES: Final = ("running", "stopped")


def check_name(name: object, what: str) -> str:
    """A schedule or sensor name: letters, digits, '_', '-' and '.'."""
    if not isinstance(name, str):
        raise DefinitionError(f"{what} name must be a string such as 'nightly', got {name!r}")
    check_key_part(name, where=f"{what} name")
    return name


def check_tags(tags: Mapping[str, str] | None, where: str) -> dict[str, str]:
    """Run tags: a dict of strings."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise DefinitionError(f"{where}: tags must be a dict of strings, e.g. tags={{'team': 'finance'}}")
    return dict(tags)


def check_target(select: str | None, job: str | None, where: str) -> None:
    """A schedule or sensor runs ``select`` or the ``hw.Job`` named ``job``: not both."""
    if job is not None and (not isinstance(job, str) or not job.strip()):
        raise DefinitionError(f"{where}: job= must be the name of a hw.Job, e.g. job='nightly'")
    if job is not None and select is not None:
        raise DefinitionError(f"{where}: give select= or job=, not both (the job has its own selection)")


def check_status(value: str, where: str) -> str:
    """``running`` or ``stopped``: whether an instigator runs before anyone switches it."""
    if value not in DEFAULT_STATUSES:
        raise DefinitionError(f"{where}: default_status={value!r} must be 'running' or 'stopped'")
    return value


@dataclass(frozen=True)
class Schedule:
    """Materialize ``select`` at every tick of ``cron`` (in ``timezone``).

    ``partition`` is a partition key, or a function of the tick's time (a timezone-aware
    datetime) returning one; ``config`` is run configuration and ``tags`` tag each run.
    """

    name: str
    _: KW_ONLY
    cron: str
    select: str | None = None
    """What to run (default ``*``); or give ``job=``."""
    job: str | None = None
    """The name of a ``hw.Job`` of the definitions to run, instead of ``select``."""
    timezone: str = "UTC"
    partition: str | Callable[[datetime], str] | None = None
    config: Mapping[str, Mapping[str, Any]] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    missed_ticks: str = "latest"
    default_status: str = "running"
    description: str | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "hw.Schedule")
        where = f"schedule '{self.name}'"
        check_cron(self.cron, self.timezone, where=where)
        check_target(self.select, self.job, where)
        if self.select is None and self.job is None:
            object.__setattr__(self, "select", "*")
        if self.select is not None and (not isinstance(self.select, str) or not self.select.strip()):
            raise DefinitionError(f"{where}: select= must be a selection string such as 'group:finance' or '*'")
        if self.partition is not None and not isinstance(self.partition, str) and not callable(self.partition):
            raise DefinitionError(
                f"{where}: partition= must be a partition key or a function of the tick time returning one"
            )
        if self.config is not None and not isinstance(self.config, Mapping):
            raise DefinitionError(f"{where}: config= must map asset keys to settings, e.g. {{'model': {{'k': 1}}}}")
        object.__setattr__(self, "tags", check_tags(self.tags, where))
        if self.missed_ticks not in MISSED_TICK_POLICIES:
            raise DefinitionError(
                f"{where}: missed_ticks={self.missed_ticks!r} must be one of "
                f"{', '.join(repr(p) for p in MISSED_TICK_POLICIES)} ('latest' runs the latest missed tick once)"
            )
        check_status(self.default_status, where)

    def partition_for(self, tick: datetime) -> str | None:
        """The partition key a run for the tick at ``tick`` targets."""
        if self.partition is None or isinstance(self.partition, str):
            return self.partition
        return self.partition(tick)
