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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
from headwater.errors import DefinitionError, HeadwaterError, SelectionError
from headwater.execution import capture
from headwater.graph import AssetGraph
from headwater.graph.backfill_plan import BackfillPlan, BackfillUnit, plan_backfill
from headwater.instance.partition_status import in_progress, summarise
from headwater.instance.partitioned import key_context
from headwater.keys import AssetKey
from headwater.storage.backfills import BackfillRecord, BackfillRun, BackfillStatus

if TYPE_CHECKING:
    from headwater.instance.instance import Instance

BACKFILL_TAG: Final = "headwater/backfill"
MODES: Final = ("partitions", "all", "missing", "failed")


@dataclass(frozen=True, kw_only=True, slots=True)
class Progress:
    """Reported after each run of a backfill."""

    backfill_id: str
    total: int
    succeeded: int
    failed: int
    unit: BackfillUnit
    status: str
    run_id: str | None

    @property
    def done(self) -> int:
        """Runs finished (successful or not)."""
        return self.succeeded + self.failed


OnProgress = Callable[[Progress], None]


def _keys_for(instance: Instance, mode: str, text: str | None, ctx: KeyContext) -> Any:
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
        start, sep, end = text.partition(RANGE_SEPARATOR)
        if not sep or "," in text or not isinstance(definition, TimeWindowPartitions):
            raise
        try:
            keys = definition.starting_between(start.strip(), end.strip(), ctx)
        except DefinitionError:
            raise SelectionError(
                f"partition range {text!r} is not keys of asset '{asset}' ({definition.describe()}) nor two dates"
            ) from None
        if start.strip() > end.strip():
            raise
        return keys


def create_backfill(
    instance: Instance, defs: Definitions, select: str | None, *, mode: str, partitions: str | None = None
) -> tuple[BackfillRecord, BackfillPlan]:
    """Plan and store a backfill of the selected assets; ``mode`` is one of ``MODES``."""
    if mode not in MODES:
        raise SelectionError(f"backfill mode {mode!r} is not one of {', '.join(MODES)}")
    if mode == "partitions" and not partitions:
        raise SelectionError("say which partitions to backfill: --partitions START...END, --all, --missing or --failed")
    graph = AssetGraph.from_definitions(defs)
    selected = sorted(instance.select(defs, select))
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


def replan(instance: Instance, defs: Definitions, record: BackfillRecord) -> BackfillPlan:
    """The plan a stored backfill runs, from its stored assets and keys.

    Raises SelectionError naming the keys when stored partitions no longer exist (for example
    dynamic partitions deleted since), leaving the backfill as it was.
    """
    graph = AssetGraph.from_definitions(defs)
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
                f"{', '.join(gone[:5])}{' ...' if len(gone) > 5 else ''} ({definition.describe()}); add them back "
                "(e.g. `headwater partitions add NAME KEY`) and resume, or cancel it and start a new one"
            )
        return keys

    assets = [AssetKey.parse(k) for k in record.request.get("assets", [])]
    return plan_backfill(graph, assets, keys_for, ctx)


def run_backfill(
    instance: Instance,
    defs: Definitions,
    backfill_id: str,
    *,
    executor: Any = None,
    on_progress: OnProgress | None = None,
    max_concurrent: int = 1,
) -> BackfillRecord:
    """Run (or resume) a stored backfill until it ends or is canceled; returns its final record.

    Up to ``max_concurrent`` runs go at once (in threads of this process), each as soon as the
    runs it depends on have succeeded; a run whose upstream failed is skipped.
    """
    if max_concurrent < 1:
        raise SelectionError(f"max_concurrent must be 1 or more, got {max_concurrent}")
    record = get_backfill(instance, backfill_id)
    if record.status is BackfillStatus.SUCCEEDED:
        return record
    the_plan = replan(instance, defs, record)
    storage = instance.storage
    bid = record.backfill_id
    storage.update_backfill(bid, status=BackfillStatus.RUNNING, error=None)
    state = {r.unit: r.status for r in storage.backfill_runs(bid) if r.status == "succeeded"}
    counts = {"succeeded": len(state), "failed": 0}
    children: dict[int, list[int]] = {}
    waiting: dict[int, int] = {}
    for unit in the_plan.units:
        if unit.index in state:
            continue
        open_ups = [up for up in unit.upstream if up not in state]
        waiting[unit.index] = len(open_ups)
        for up in open_ups:
            children.setdefault(up, []).append(unit.index)
    ready = deque(u for u in the_plan.units if waiting.get(u.index) == 0)

    def launch(unit: BackfillUnit) -> tuple[str, str | None]:
        group = the_plan.groups[unit.group]
        try:
            result = instance.materialize(
                defs,
                " ".join(k.to_string() for k in group.keys),
                partition=unit.partitions[0] if len(unit.partitions) == 1 else None,
                partition_keys=unit.partitions if len(unit.partitions) > 1 else None,
                tags={BACKFILL_TAG: bid},
                executor=executor,
            )
        except HeadwaterError as exc:
            storage.update_backfill(bid, error=f"{unit.label or 'unpartitioned'}: {exc}")
            return "failed", None
        return ("succeeded" if result.success else "failed"), result.run_id

    def decide(unit: BackfillUnit, status: str, run_id: str | None) -> None:
        state[unit.index] = status
        counts["succeeded" if status == "succeeded" else "failed"] += 1
        storage.record_backfill_run(
            bid, BackfillRun(unit=unit.index, partition=unit.label, run_id=run_id, status=status)
        )
        for child in children.get(unit.index, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(the_plan.units[child])
        if on_progress is not None:
            progress = Progress(
                backfill_id=bid,
                total=len(the_plan.units),
                succeeded=counts["succeeded"],
                failed=counts["failed"],
                unit=unit,
                status=status,
                run_id=run_id,
            )
            on_progress(progress)

    canceled = False
    running: dict[Future[tuple[str, str | None]], BackfillUnit] = {}
    with ThreadPoolExecutor(max_workers=max_concurrent) as pool, capture.routed():
        while ready or running:
            while ready and len(running) < max_concurrent:
                if storage.backfill_status(bid) in (BackfillStatus.CANCELING, BackfillStatus.CANCELED):
                    canceled = True  # let the runs in flight finish; launch nothing more
                    ready.clear()
                    break
                unit = ready.popleft()
                if any(state.get(up) != "succeeded" for up in unit.upstream):
                    decide(unit, "skipped", None)
                elif max_concurrent == 1:
                    decide(unit, *launch(unit))  # no thread hop for the common sequential case
                else:
                    running[pool.submit(launch, unit)] = unit
            if running:
                for future in wait(running, return_when=FIRST_COMPLETED).done:
                    decide(running.pop(future), *future.result())
    if canceled:
        final = BackfillStatus.CANCELED
    else:
        final = BackfillStatus.SUCCEEDED if counts["failed"] == 0 else BackfillStatus.FAILED
    storage.update_backfill(bid, status=final)
    return get_backfill(instance, bid)


def get_backfill(instance: Instance, backfill_id: str) -> BackfillRecord:
    """The backfill with this id or unique id prefix; raises SelectionError naming recent ones."""
    record = instance.storage.get_backfill(backfill_id)
    if record is None:
        recent = ", ".join(b.backfill_id[:8] for b in instance.storage.list_backfills(limit=5))
        raise SelectionError(
            f"no backfill '{backfill_id}'; recent backfills: {recent or '(none)'} (`headwater backfill list`)"
        )
    return record


def cancel_backfill(instance: Instance, backfill_id: str) -> BackfillRecord:
    """Ask a backfill to stop after its current run (a backfill not running stops at once)."""
    record = get_backfill(instance, backfill_id)
    if record.status.finished:
        raise SelectionError(
            f"backfill {record.backfill_id[:8]} already {record.status.value}; "
            "`headwater backfill resume` runs what is left of a canceled or failed one"
        )
    status = BackfillStatus.CANCELING if record.status is BackfillStatus.RUNNING else BackfillStatus.CANCELED
    instance.storage.update_backfill(record.backfill_id, status=status)
    return get_backfill(instance, record.backfill_id)
