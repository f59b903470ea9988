"""``@hw.sensor``: a function the daemon calls every ``interval`` seconds; it returns run requests
and a cursor. Built-in sensors (new materializations, run outcomes, files in a folder) are specs
with a ``kind`` that the daemon evaluates without user code.

Pure data and the decorator; the daemon calls sensor functions (``headwater.automation.sensors``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

from headwater.definitions.params import definition_site
from headwater.definitions.partitions.static import DynamicPartitionsRequest
from headwater.definitions.schedule import check_name, check_status, check_tags, check_target
from headwater.errors import DefinitionError
from headwater.keys import AssetKey, CoercibleToKey, to_key

if TYPE_CHECKING:
    from headwater.events import EventRecord, RunRecord

SENSOR_KINDS: Final = ("function", "asset_materialized", "multi_asset", "run_status", "files")
RUN_STATUSES: Final = ("failure", "success")
REQUIRE: Final = ("any", "all")


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    """A run a sensor asks for: a selection (default: the sensor's), partition, config and tags.

    ``run_key`` makes a request idempotent: a sensor asking again with the same key starts no new run.
    """

    select: str | None = None
    partition: str | None = None
    config: Mapping[str, Mapping[str, Any]] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    run_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", check_tags(self.tags, "hw.RunRequest"))
        if self.select is not None and (not isinstance(self.select, str) or not self.select.strip()):
            raise DefinitionError("hw.RunRequest: select= must be a selection string such as 'orders+'")


@dataclass(frozen=True, kw_only=True)
class SensorResult:
    """What a sensor returns: the runs to request and the cursor to pass to its next evaluation."""

    run_requests: Sequence[RunRequest] = ()
    cursor: str | None = None
    skip_reason: str | None = None
    dynamic_partitions_requests: Sequence[DynamicPartitionsRequest] = ()
    """Keys to add to or delete from ``hw.DynamicPartitions`` sets, applied before the run requests."""

    def __post_init__(self) -> None:
        requests = tuple(self.run_requests)
        for index, request in enumerate(requests):
            if not isinstance(request, RunRequest):
                raise DefinitionError(
                    f"hw.SensorResult: run_requests item {index} is {type(request).__name__}, "
                    "not hw.RunRequest(select=..., partition=...)"
                )
        object.__setattr__(self, "run_requests", requests)
        changes = tuple(self.dynamic_partitions_requests)
        for index, change in enumerate(changes):
            if not isinstance(change, DynamicPartitionsRequest):
                raise DefinitionError(
                    f"hw.SensorResult: dynamic_partitions_requests item {index} is {type(change).__name__}, "
                    "not hw.DynamicPartitionsRequest('name', add=[...], delete=[...])"
                )
        object.__setattr__(self, "dynamic_partitions_requests", changes)
        if self.cursor is not None and not isinstance(self.cursor, str):
            raise DefinitionError("hw.SensorResult: cursor= must be a string (e.g. json.dumps(state)) or None")


class EventLogView(Protocol):
    """A read-only view of the event log, as ``context.instance`` in a sensor."""

    def latest_materializations(self, keys: Iterable[CoercibleToKey] | None = None) -> dict[AssetKey, EventRecord]:
        """The newest materialization of each asset (of any partition), of ``keys`` or of every asset."""
        ...

    def materializations(
        self, key: CoercibleToKey, *, after_id: int | None = None, limit: int = 100
    ) -> list[EventRecord]:
        """Materializations of ``key`` (any partition), newest first; only those after the event ``after_id``."""
        ...

    def asset_events(self, key: CoercibleToKey, *, limit: int = 20, before_id: int | None = None) -> list[EventRecord]:
        """Materializations, observations and failures of ``key``, newest first."""
        ...

    def runs(self, *, limit: int = 20, status: str | None = None) -> list[RunRecord]:
        """Runs, newest first (only those with ``status``, e.g. ``"failed"``, when given)."""
        ...

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run ``run_id``, or None."""
        ...


@dataclass(frozen=True, kw_only=True)
class SensorContext:
    """What a sensor function receives: its cursor, the last tick time and now (timestamps), and
    ``instance``, a read-only view of the event log (latest materializations, runs, asset events)."""

    name: str
    cursor: str | None
    last_tick_at: float | None
    now: float
    instance: EventLogView | None = None


@dataclass(frozen=True, kw_only=True)
class SensorSpec:
    """A declared sensor: a user function (``kind="function"``) or a built-in one."""

    name: str
    kind: str = "function"
    fn: Callable[..., Any] | None = None
    select: str | None = None
    job: str | None = None
    """The ``hw.Job`` whose selection, tags and config requests without ``select`` run."""
    interval: float = 30.0
    default_status: str = "running"
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    asset: AssetKey | None = None
    assets: tuple[AssetKey, ...] = ()
    require: str = "any"
    run_status: str | None = None
    folder: str | None = None
    pattern: str = "*"
    webhook: str | None = None
    site: str = ""

    @property
    def wants_context(self) -> bool:
        """Whether the function takes the SensorContext."""
        return self.fn is not None and bool(inspect.signature(self.fn).parameters)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.fn is None:
            raise DefinitionError(f"built-in sensor '{self.name}' has no function to call")
        return self.fn(*args, **kwargs)


def _interval(value: float, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise DefinitionError(f"{where}: interval={value!r} must be a number of seconds > 0, e.g. interval=30")
    return float(value)


def _select(value: str | None, where: str, job: str | None = None, *, required: bool = False) -> str | None:
    check_target(value, job, where)
    if required and value is None and job is None:
        raise DefinitionError(f"{where}: give select= (a selection such as 'orders+') or job= (a hw.Job's name)")
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise DefinitionError(f"{where}: select= must be a selection string such as 'orders+'")
    return value


def sensor(
    *,
    select: str | None = None,
    job: str | None = None,
    interval: float = 30.0,
    name: str | None = None,
    default_status: str = "running",
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Callable[[Callable[..., Any]], SensorSpec]:
    """Declare a sensor: the daemon calls the function every ``interval`` seconds.

    The function takes nothing or a ``hw.SensorContext`` and returns ``hw.SensorResult``, a list of
    ``hw.RunRequest``, one ``hw.RunRequest`` or None. Requests without ``select`` use the sensor's.
    """

    def build(fn: Callable[..., Any]) -> SensorSpec:
        if not callable(fn):
            raise DefinitionError(f"@hw.sensor decorates a function; got {type(fn).__name__} {fn!r}: put it on a def")
        site = definition_site(fn)
        if name is None and getattr(fn, "__name__", "") == "<lambda>":
            raise DefinitionError(f"@hw.sensor on a lambda ({site}) needs a name: use @hw.sensor(name='...')")
        sensor_name = check_name(name or getattr(fn, "__name__", ""), "@hw.sensor")
        where = f"sensor '{sensor_name}' ({site})"
        if len(inspect.signature(fn).parameters) > 1:
            raise DefinitionError(f"{where} takes one parameter at most (context: hw.SensorContext)")
        doc = inspect.getdoc(fn)
        return SensorSpec(
            name=sensor_name,
            fn=fn,
            select=_select(select, where, job),
            job=job,
            interval=_interval(interval, where),
            default_status=check_status(default_status, where),
            description=description or doc,
            tags=check_tags(tags, where),
            site=site,
        )

    return build


def asset_sensor(
    name: str,
    *,
    asset: CoercibleToKey,
    select: str | None = None,
    job: str | None = None,
    interval: float = 30.0,
    default_status: str = "running",
) -> SensorSpec:
    """A sensor requesting ``select`` (or the job ``job``) each time ``asset`` gets a new materialization."""
    where = f"asset_sensor '{check_name(name, 'hw.asset_sensor')}'"
    return SensorSpec(
        name=name,
        kind="asset_materialized",
        asset=to_key(asset, where=where),
        select=_select(select, where, job, required=True),
        job=job,
        interval=_interval(interval, where),
        default_status=check_status(default_status, where),
    )


def multi_asset_sensor(
    name: str,
    *,
    assets: Sequence[CoercibleToKey],
    select: str | None = None,
    job: str | None = None,
    require: str = "any",
    interval: float = 30.0,
    default_status: str = "running",
) -> SensorSpec:
    """A sensor requesting ``select`` when ``assets`` have new materializations: when any of them has
    one (``require="any"``), or once each of them has one since the last request (``require="all"``).

    Its cursor keeps the last event seen per asset.
    """
    where = f"multi_asset_sensor '{check_name(name, 'hw.multi_asset_sensor')}'"
    if isinstance(assets, (str, AssetKey)) or not assets:
        raise DefinitionError(f"{where}: assets= must be a list of asset keys, e.g. assets=['orders', 'customers']")
    keys = tuple(dict.fromkeys(to_key(a, where=where) for a in assets))
    if require not in REQUIRE:
        raise DefinitionError(
            f"{where}: require={require!r} must be 'any' (a new materialization of any asset) or 'all' (of each)"
        )
    return SensorSpec(
        name=name,
        kind="multi_asset",
        assets=keys,
        require=require,
        select=_select(select, where, job, required=True),
        job=job,
        interval=_interval(interval, where),
        default_status=check_status(default_status, where),
    )


def run_status_sensor(
    name: str,
    *,
    status: str = "failure",
    select: str | None = None,
    job: str | None = None,
    webhook: str | None = None,
    interval: float = 30.0,
    default_status: str = "running",
) -> SensorSpec:
    """A sensor reacting to runs that ended with ``status`` (``failure`` or ``success``).

    It requests ``select`` (if given) and, with ``webhook``, posts each run as JSON to that URL;
    every matching run is also written to the daemon's log (an alert without code).
    """
    where = f"run_status_sensor '{check_name(name, 'hw.run_status_sensor')}'"
    if status not in RUN_STATUSES:
        raise DefinitionError(f"{where}: status={status!r} must be 'failure' or 'success'")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise DefinitionError(f"{where}: webhook={webhook!r} must be an http:// or https:// URL")
    return SensorSpec(
        name=name,
        kind="run_status",
        run_status=status,
        select=_select(select, where, job),
        job=job,
        webhook=webhook,
        interval=_interval(interval, where),
        default_status=check_status(default_status, where),
    )


def file_sensor(
    name: str,
    *,
    folder: str,
    select: str | None = None,
    job: str | None = None,
    pattern: str = "*",
    interval: float = 30.0,
    default_status: str = "running",
) -> SensorSpec:
    """A sensor requesting ``select`` once for each new (or changed) file matching ``pattern`` in ``folder``.

    The file's path is in the run's ``headwater/file`` tag.
    """
    where = f"file_sensor '{check_name(name, 'hw.file_sensor')}'"
    if not isinstance(folder, str) or not folder:
        raise DefinitionError(f"{where}: folder= must be a path to a folder")
    return SensorSpec(
        name=name,
        kind="files",
        folder=folder,
        pattern=pattern,
        select=_select(select, where, job, required=True),
        job=job,
        interval=_interval(interval, where),
        default_status=check_status(default_status, where),
    )


def check_instigators(schedules: Sequence[Any], sensors: Sequence[Any]) -> None:
    """Definitions(schedules=..., sensors=...): right types and unique names across both."""
    from headwater.definitions.schedule import Schedule

    seen: dict[str, str] = {}
    for what, items, kind in (("schedules", schedules, Schedule), ("sensors", sensors, SensorSpec)):
        for index, item in enumerate(items):
            if not isinstance(item, kind):
                hint = "hw.Schedule('name', cron=...)" if kind is Schedule else "a function decorated with @hw.sensor"
                raise DefinitionError(
                    f"Definitions({what}=...) item {index} is {type(item).__name__} {item!r}: pass {hint}"
                )
            if item.name in seen:
                raise DefinitionError(
                    f"Definitions: the name '{item.name}' is used by two schedules or sensors "
                    f"({seen[item.name]} and {what[:-1]} {index}); give each a unique name"
                )
            seen[item.name] = f"{what[:-1]} {index}"
