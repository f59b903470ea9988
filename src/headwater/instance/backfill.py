"""Backfills: create one (a stored plan of runs over partitions), run it in dependency order
with progress kept in storage, cancel it, and resume it where it stopped.

A backfill stores the assets and the exact partition keys of each group, so resuming plans
the same runs; runs that succeeded are not repeated. A run whose upstream runs did not all
succeed is skipped. Runs are tagged ``headwater/backfill=<id>``.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from headwater.definitions import Definitions
from headwater.definitions.partitions import (
    RANGE_SEPARATOR,
    KeyContext,
    PartitionsDefinition,
    TimeWindowPartitions,
    parse_partition_selection,
)
from headwater.definitions.partitions.base import describe_keys
from headwater.errors import DefinitionError, SelectionError
from headwater.events import BackfillUnitState, RunStatus
from headwater.graph.backfill_plan import BackfillPlan, BackfillUnit, plan_backfill
from headwater.graph.selection_parser import clip
from headwater.keys import AssetKey
from headwater.state.partition_status import in_progress, key_context, summarise
from headwater.storage import Storage
from headwater.storage.backfills import BackfillRecord, BackfillRun, BackfillStatus
from headwater.tags import BACKFILL

if TYPE_CHECKING:
    from headwater.instance.core import InstanceCore

BACKFILL_TAG: Final = BACKFILL
QUEUED: Final = BackfillUnitState.QUEUED
"""Status of a backfill run that is in the run queue or running (not yet ended)."""
MODES: Final = ("partitions", "all", "missing", "failed")
DRIVER: Final = "driver"
"""Key of a backfill's request naming what advances it: ``"daemon"`` for queued backfills."""


def driven_by_daemon(record: BackfillRecord) -> bool:
    """Whether ``headwater daemon`` advances this backfill (it was submitted or resumed with --queue)."""
    return record.request.get(DRIVER) == "daemon"


@dataclass(frozen=True, kw_only=True, slots=True)
class Progress:
    """Reported after each run of a backfill."""

    backfill_id: str
    total: int
    succeeded: int
    failed: int
    unit: BackfillUnit
    status: BackfillUnitState
    run_id: str | None

    @property
    def done(self) -> int:
        """Runs finished (successful or not)."""
        return self.succeeded + self.failed


OnProgress = Callable[[Progress], None]


def _keys_for(instance: InstanceCore, mode: str, text: str | None, ctx: KeyContext) -> Any:
    def keys_for(assets: tuple[AssetKey, ...], definition: PartitionsDefinition) -> Sequence[str]:
        if mode == "all":
            return definition.keys(ctx)
        if mode == "partitions":
            return _selected(text or "", definition, ctx, assets[0])
        status = "missing" if mode == "missing" else "failed"
        chosen: set[str] = set()
        for key in assets:
            ids = instance.storage.partition_event_ids(key)
            running = in_progress(instance.storage, key, definition, ctx)
            chosen.update(summarise(key, definition, ctx, ids, running).keys_with(status, definition, ctx))
        return [k for k in definition.keys(ctx) if k in chosen] if chosen else ()

    return keys_for


def _selected(text: str, definition: PartitionsDefinition, ctx: KeyContext, asset: AssetKey) -> Sequence[str]:
    """Keys for ``--partitions``; a range in another time grain selects the windows starting inside it."""
    try:
        return parse_partition_selection(text, definition, ctx, owner=f"asset '{asset}'")
    except SelectionError:
        start, sep, end = (part.strip() for part in text.partition(RANGE_SEPARATOR))
        if not sep or "," in text or not isinstance(definition, TimeWindowPartitions):
            raise
        if definition.position(start, ctx) is not None and definition.position(end, ctx) is not None:
            raise  # two keys in the wrong order: the error says so
        try:
            keys = definition.starting_between(start, end, ctx)
        except DefinitionError:
            raise SelectionError(
                f"partition range {text!r} is not keys of asset '{asset}' ({definition.describe()}) nor two dates"
            ) from None
        if start > end:
            raise SelectionError(
                f"partition range {start}{RANGE_SEPARATOR}{end} starts after it ends: "
                f"write the earlier date first ({end}{RANGE_SEPARATOR}{start})"
            ) from None
        return keys


def create_backfill(
    instance: InstanceCore, defs: Definitions, select: str | None, *, mode: str, partitions: str | None = None
) -> tuple[BackfillRecord, BackfillPlan]:
    """Plan and store a backfill of the selected assets; ``mode`` is one of ``MODES``."""
    if mode not in MODES:
        raise SelectionError(f"backfill mode {mode!r} is not one of {', '.join(MODES)}")
    if mode == "partitions" and not partitions:
        raise SelectionError("say which partitions to backfill: --partitions START...END, --all, --missing or --failed")
    graph = instance.graph_for(defs)
    selected = sorted(instance.select(defs, select))
    if selected and all(graph.spec(k).partitions is None for k in selected):
        names = ", ".join(str(k) for k in selected[:5]) + (" ..." if len(selected) > 5 else "")
        raise SelectionError(
            f"no selected asset is partitioned ({names}), so there are no partitions to backfill: run them once "
            f"with `headwater materialize --select '{clip(select or '*')}'`, or select partitioned assets"
        )
    ctx = key_context(instance.storage, graph)
    keys_for = _keys_for(instance, mode, partitions, ctx)
    the_plan = plan_backfill(graph, selected, keys_for, ctx, whole_windows=mode == "partitions")
    if not the_plan.units:
        raise SelectionError(
            f"nothing to backfill: no {mode if mode in ('missing', 'failed') else 'selected'} partitions of the "
            f"selected assets ({', '.join(str(k) for k in selected[:5]) or 'none'})"
        )
    request = {
        "mode": mode,
        "partitions": partitions,
        "assets": [k.to_string() for k in selected],
        "groups": [
            {"assets": [k.to_string() for k in g.keys], "keys": list(g.partition_keys)} for g in the_plan.groups
        ],
        "left_out": [item.describe() for item in the_plan.left_out],
    }
    record = BackfillRecord(
        backfill_id=uuid.uuid4().hex, selection=select or "*", request=request, total=len(the_plan.units)
    )
    instance.storage.add_backfill(record)
    return record, the_plan


def replan(instance: InstanceCore, defs: Definitions, record: BackfillRecord) -> BackfillPlan:
    """The plan a stored backfill runs, from its stored assets and keys.

    Raises SelectionError naming the keys when stored partitions no longer exist (for example
    dynamic partitions deleted since), leaving the backfill as it was.
    """
    graph = instance.graph_for(defs)
    stored = {tuple(g["assets"]): list(g["keys"]) for g in record.request.get("groups", [])}
    missing_assets = [k for k in record.request.get("assets", []) if AssetKey.parse(k) not in graph]
    if missing_assets:
        raise SelectionError(
            f"backfill {record.backfill_id[:8]} includes assets that are no longer defined "
            f"({', '.join(missing_assets)}); restore them, or start a new backfill"
        )
    ctx = key_context(instance.storage, graph)

    def keys_for(assets: tuple[AssetKey, ...], definition: PartitionsDefinition) -> Sequence[str]:
        keys = stored.get(tuple(k.to_string() for k in assets))
        if keys is None:
            raise SelectionError(
                f"the definitions changed since backfill {record.backfill_id[:8]} was made (assets "
                f"{', '.join(str(k) for k in assets)} are now grouped differently); start a new backfill"
            )
        gone = [k for k in keys if definition.position(k, ctx) is None]
        if gone:
            raise SelectionError(
                f"backfill {record.backfill_id[:8]} covers partitions of asset '{assets[0]}' that no longer exist: "
                f"{', '.join(gone[:5])}{' ...' if len(gone) > 5 else ''} ({definition.describe()} now has "
                f"{describe_keys(definition.keys(ctx))}); add them back (e.g. `headwater partitions add NAME KEY`) "
                "and resume, or cancel it and start a new one; the backfill is left as it was"
            )
        return keys

    assets = [AssetKey.parse(k) for k in record.request.get("assets", [])]
    return plan_backfill(graph, assets, keys_for, ctx)


class Tracker:
    """The runs of one pass over a backfill: which are done, which wait for upstream runs, which are
    ready, and the progress recorded as each one ends. Shared by in-process and queued backfills.
    """

    def __init__(
        self,
        storage: Storage,
        record: BackfillRecord,
        the_plan: BackfillPlan,
        on_progress: OnProgress | None,
        *,
        in_flight: frozenset[int] = frozenset(),
    ) -> None:
        self.storage = storage
        self.bid = record.backfill_id
        self.plan = the_plan
        self.on_progress = on_progress
        self.state = {
            r.unit: r.status for r in storage.backfill_runs(self.bid) if r.status == BackfillUnitState.SUCCEEDED
        }
        self.counts = {BackfillUnitState.SUCCEEDED: len(self.state), BackfillUnitState.FAILED: 0}
        self.children: dict[int, list[int]] = {}
        waiting: dict[int, int] = {}
        for unit in the_plan.units:
            if unit.index in self.state:
                continue
            open_ups = [up for up in unit.upstream if up not in self.state]
            waiting[unit.index] = len(open_ups)
            for up in open_ups:
                self.children.setdefault(up, []).append(unit.index)
        self.waiting = waiting
        self.ready = deque(u for u in the_plan.units if waiting.get(u.index) == 0 and u.index not in in_flight)
        self.canceled = False

    def check_canceled(self) -> bool:
        """Whether the backfill was canceled; then nothing more starts and the runs in flight finish."""
        if not self.canceled and self.storage.backfill_status(self.bid) in (
            BackfillStatus.CANCELING,
            BackfillStatus.CANCELED,
        ):
            self.canceled = True
            self.ready.clear()
        return self.canceled

    def next_ready(self, *, check: bool = True) -> BackfillUnit | None:
        """The next unit to start, or None; units whose upstream did not succeed are recorded skipped.

        ``check=False`` skips the cancel check (for callers that made it just before).
        """
        while self.ready:
            if self.canceled or (check and self.check_canceled()):
                return None
            unit = self.ready.popleft()
            if all(self.state.get(up) == BackfillUnitState.SUCCEEDED for up in unit.upstream):
                return unit
            self.decide(unit, BackfillUnitState.SKIPPED, None)
        return None

    def decide(self, unit: BackfillUnit, status: BackfillUnitState, run_id: str | None) -> None:
        """Record how ``unit`` ended and make its children ready once all their upstream runs ended."""
        self.state[unit.index] = status
        self.counts[
            BackfillUnitState.SUCCEEDED if status is BackfillUnitState.SUCCEEDED else BackfillUnitState.FAILED
        ] += 1
        self.storage.record_backfill_run(
            self.bid, BackfillRun(unit=unit.index, partition=unit.label, run_id=run_id, status=status)
        )
        for child in self.children.get(unit.index, ()):
            self.waiting[child] -= 1
            if self.waiting[child] == 0:
                self.ready.append(self.plan.units[child])
        if self.on_progress is not None:
            progress = Progress(
                backfill_id=self.bid,
                total=len(self.plan.units),
                succeeded=self.counts[BackfillUnitState.SUCCEEDED],
                failed=self.counts[BackfillUnitState.FAILED],
                unit=unit,
                status=status,
                run_id=run_id,
            )
            self.on_progress(progress)

    def finish(self) -> None:
        """Store the final status: canceled, succeeded, or failed when a run failed or was skipped."""
        if self.canceled:
            final = BackfillStatus.CANCELED
        else:
            final = BackfillStatus.SUCCEEDED if self.counts[BackfillUnitState.FAILED] == 0 else BackfillStatus.FAILED
        self.storage.update_backfill(self.bid, status=final)


def run_outcome(status: str) -> BackfillUnitState | None:
    """A backfill run's status from its run's: None while queued or started, else succeeded or failed."""
    if status in (RunStatus.QUEUED, RunStatus.STARTED):
        return None
    return BackfillUnitState.SUCCEEDED if status == RunStatus.SUCCEEDED else BackfillUnitState.FAILED


def settle_queued(storage: Storage, backfill_id: str) -> dict[str, int]:
    """Record the outcome of the backfill's queued runs that ended; returns run id -> unit of the others."""
    in_flight: dict[str, int] = {}
    ended: list[BackfillRun] = []
    for run_id, (unit, partition, status) in storage.backfill_run_statuses(backfill_id, QUEUED).items():
        outcome = run_outcome(status)
        if outcome is None:
            in_flight[run_id] = unit
        else:
            ended.append(BackfillRun(unit=unit, partition=partition, run_id=run_id, status=outcome))
    storage.record_backfill_runs(backfill_id, ended)
    return in_flight


def concurrency_limit(instance: InstanceCore, requested: int) -> int:
    """Runs a backfill may have going at once: ``requested``, capped by ``[runs] max_concurrent``."""
    if requested < 1:
        raise SelectionError(f"max_concurrent must be 1 or more, got {requested}")
    config = instance.config
    return min(requested, config.runs.max_concurrent) if config is not None else requested


def get_backfill(instance: InstanceCore, backfill_id: str) -> BackfillRecord:
    """The backfill with this id or unique id prefix; raises SelectionError naming recent ones."""
    record = instance.storage.get_backfill(backfill_id)
    if record is None:
        recent = ", ".join(b.backfill_id[:8] for b in instance.storage.list_backfills(limit=5))
        raise SelectionError(
            f"no backfill '{backfill_id}'; recent backfills: {recent or '(none)'} (`headwater backfill list`)"
        )
    return record


def cancel_backfill(instance: InstanceCore, backfill_id: str) -> BackfillRecord:
    """Ask a backfill to stop after its runs in flight (one not running stops at once); its runs
    still waiting in the run queue are canceled."""
    record = get_backfill(instance, backfill_id)
    if record.status.finished:
        raise SelectionError(
            f"backfill {record.backfill_id[:8]} already {record.status.value}; "
            "`headwater backfill resume` runs what is left of a canceled or failed one"
        )
    status = BackfillStatus.CANCELING if record.status is BackfillStatus.RUNNING else BackfillStatus.CANCELED
    instance.storage.update_backfill(record.backfill_id, status=status)
    cancel_queued_runs(instance, record.backfill_id)
    return get_backfill(instance, record.backfill_id)


def cancel_queued_runs(instance: InstanceCore, backfill_id: str) -> list[str]:
    """Cancel the backfill's runs that are still waiting in the queue; returns their ids."""
    waiting = [
        run_id
        for run_id, (_, _, status) in instance.storage.backfill_run_statuses(backfill_id, QUEUED).items()
        if status == RunStatus.QUEUED
    ]
    for run_id in waiting:
        instance.cancel_run(run_id)
    return waiting
