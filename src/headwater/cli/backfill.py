"""``headwater backfill``: run selected assets over many partitions with a live progress bar;
``backfill list|show|cancel|resume`` manage stored backfills. With ``--queue`` the backfill is
handed to ``headwater daemon``, which advances it; the command only follows its stored progress.

Exit codes: 0 when every run succeeded, 1 when some failed or it was canceled, 2 for an error
before it started.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from headwater.instance import Instance
    from headwater.instance.backfill import Progress as BackfillProgress
    from headwater.storage.backfills import BackfillRecord

BACKFILL_FAILED = 1
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Run each backfill run's steps in N worker processes (default: the executor in the definitions).",
)


concurrency_option = click.option(
    "--max-concurrent",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Runs going at once (at most [runs] max_concurrent); each starts when the runs it depends on "
    "have succeeded. With --queue the daemon's limits apply instead.",
)


queue_option = click.option(
    "--queue",
    is_flag=True,
    help="Hand the backfill to `headwater daemon`, which queues each run once its upstream runs succeeded "
    "and launches it under the [runs] limits; this command follows its progress until it ends (Ctrl-C "
    "stops following, not the backfill).",
)


def _check_queue(queue: bool, workers: int | None) -> None:
    if queue and workers is not None:
        raise click.UsageError(
            "--workers sizes this process's pool; queued runs are launched by the daemon with the executor "
            "of your definitions: drop --workers or --queue"
        )


def _executor(workers: int | None) -> Any:
    if workers is None:
        return None
    from headwater.definitions import MultiprocessExecutor

    return MultiprocessExecutor(max_workers=workers)


class RunProgress:
    """A live bar of a backfill's runs done out of its total, naming the last partition (on stderr)."""

    def __init__(self, total: int, done: int, *, enabled: bool) -> None:
        self.total = total
        self.done = done
        self.failed = 0
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = output.progress_bar("backfill")

    def __enter__(self) -> RunProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total, completed=self.done)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def show(self, record: BackfillRecord) -> None:
        """Draw a stored backfill's progress (for one the daemon drives)."""
        self.done = record.done
        self.failed = record.failed
        if self._progress is not None and self._task is not None:
            failed = f" ({record.failed} failed)" if record.failed else ""
            self._progress.update(self._task, completed=record.done, description=f"{record.status.value}{failed}")

    def update(self, progress: BackfillProgress) -> None:
        """The on_progress callback of ``run_backfill``."""
        self.done = progress.done
        self.failed = progress.failed
        if self._progress is not None and self._task is not None:
            failed = f" ({progress.failed} failed)" if progress.failed else ""
            label = progress.unit.label or "unpartitioned"
            self._progress.update(self._task, completed=progress.done, description=f"{label} {progress.status}{failed}")


def _run(
    instance: Instance,
    defs: Any,
    record: BackfillRecord,
    as_json: bool,
    workers: int | None,
    max_concurrent: int,
    queue: bool = False,
    *,
    planned: bool = False,
) -> None:
    """Run the backfill here, or with ``queue`` hand it to the daemon (checking it still plans unless
    it was ``planned`` just now) and follow it."""
    from headwater.instance.backfill import concurrency_limit
    from headwater.instance.backfill_queue import hand_to_daemon
    from headwater.instance.backfill_run import run_backfill

    err = output.console(stderr=True)
    limit = concurrency_limit(instance, max_concurrent)
    if queue:
        record = hand_to_daemon(instance, defs, record.backfill_id, check=not planned)
        err.print(output.text("runs go to the run queue: `headwater daemon` launches them under the [runs] limits"))
    elif limit < max_concurrent:
        err.print(output.text(f"--max-concurrent {max_concurrent} is capped at [runs] max_concurrent = {limit}"))
    live = not as_json and sys.stdout.isatty() and sys.stderr.isatty()
    with RunProgress(record.total, record.done, enabled=live) as bar:
        if queue:
            final = _follow(instance, record.backfill_id, bar)
        else:
            final = run_backfill(
                instance,
                defs,
                record.backfill_id,
                executor=_executor(workers),
                on_progress=bar.update,
                max_concurrent=limit,
            )
    if as_json:
        output.print_json(final.to_json())
    else:
        style = output.STATUS_STYLES.get(final.status.value, "")
        line = (
            f"backfill {final.backfill_id[:8]} {final.status.value}: {final.succeeded} of {final.total} runs succeeded"
        )
        output.console().print(
            output.text(line + (f", {final.failed} failed or skipped" if final.failed else ""), style)
        )
        if final.error:
            output.console(stderr=True).print(output.text(final.error, "red"))
    if final.status.value != "succeeded":
        raise click.exceptions.Exit(BACKFILL_FAILED)


def _follow(instance: Instance, backfill_id: str, bar: RunProgress) -> BackfillRecord:
    """Follow a backfill the daemon drives by its stored record, saying when no daemon is running."""
    import time

    from headwater.automation.config import DAEMON_LEASE as LEASE
    from headwater.instance.backfill_queue import follow
    from headwater.storage.run_queue import RunQueueStore

    err = output.console(stderr=True)
    leases = RunQueueStore(instance.storage)
    said = False

    def on_poll(record: BackfillRecord) -> None:
        nonlocal said
        bar.show(record)
        holder = leases.lease_owner(LEASE)
        if holder is None or holder[1] < time.time():
            if not said:
                err.print(
                    output.text(
                        f"no daemon is running: start `headwater daemon` (or `headwater dev`) to run backfill "
                        f"{backfill_id[:8]}; this command follows it meanwhile",
                        "yellow",
                    )
                )
            said = True
        else:
            said = False

    try:
        return follow(instance, backfill_id, on_poll)
    except KeyboardInterrupt:
        err.print(
            output.text(
                f"stopped following backfill {backfill_id[:8]}: `headwater daemon` keeps running it; see its progress "
                f"with `headwater backfill show {backfill_id[:8]}`, cancel it with `headwater backfill cancel "
                f"{backfill_id[:8]}`",
                "yellow",
            )
        )
        raise click.exceptions.Exit(BACKFILL_FAILED) from None


@click.group("backfill", invoke_without_command=True)
@location_options
@click.option("--select", "selection", metavar="SEL", help="Assets to backfill, in the selection language.")
@click.option("--partitions", metavar="RANGE", help="Partitions: KEY, START...END, or a comma-separated list.")
@click.option("--all", "all_partitions", is_flag=True, help="Every partition of the selected assets.")
@click.option("--missing", is_flag=True, help="Partitions never materialized.")
@click.option("--failed", is_flag=True, help="Partitions whose last attempt failed.")
@workers_option
@concurrency_option
@queue_option
@json_option
@click.pass_context
def backfill_group(
    ctx: click.Context,
    module: str | None,
    file: str | None,
    attribute: str | None,
    selection: str | None,
    partitions: str | None,
    all_partitions: bool,
    missing: bool,
    failed: bool,
    workers: int | None,
    max_concurrent: int,
    queue: bool,
    as_json: bool,
) -> None:
    """Backfill partitions: one run per partition in dependency order (one run over the range for
    assets with backfill_policy="single_run"), stored with its progress.

    Subcommands list, show, cancel and resume manage stored backfills.
    """
    if ctx.invoked_subcommand is not None:
        return
    chosen = [
        m
        for m, on in (("partitions", partitions), ("all", all_partitions), ("missing", missing), ("failed", failed))
        if on
    ]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --partitions START...END, --all, --missing or --failed")
    _check_queue(queue, workers)
    from headwater.instance import Instance
    from headwater.instance.backfill import create_backfill

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        record, the_plan = create_backfill(instance, defs, selection, mode=chosen[0], partitions=partitions)
        summary = f"backfill {record.backfill_id[:8]}: {record.total} runs, {the_plan.step_count} steps"
        err = output.console(stderr=True)
        err.print(output.text(summary))
        for item in the_plan.left_out:
            err.print(output.text(item.describe(), "yellow"))
        _run(instance, defs, record, as_json, workers, max_concurrent, queue, planned=True)


@backfill_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many to show.")
@json_option
def list_command(limit: int, as_json: bool) -> None:
    """List backfills, newest first, with their progress."""
    from headwater.instance import Instance

    with Instance.get() as instance:
        records = instance.storage.list_backfills(limit=limit)
    if as_json:
        output.print_json([r.to_json() for r in records])
        return
    grid = output.table("id", "status", "progress", "failed", "selection", "partitions", "created")
    for r in records:
        grid.add_row(
            r.backfill_id[:8],
            output.text(r.status.value, output.STATUS_STYLES.get(r.status.value, "")),
            f"{r.done}/{r.total}",
            str(r.failed),
            r.selection,
            str(r.request.get("partitions") or r.request.get("mode")),
            output.when(r.created_at),
        )
    output.console().print(grid)


@backfill_group.command("show")
@click.argument("backfill_id")
@json_option
def show_command(backfill_id: str, as_json: bool) -> None:
    """Show one backfill: status, progress and the partitions that failed."""
    from headwater.events import BackfillUnitState
    from headwater.instance import Instance
    from headwater.instance.backfill import get_backfill

    with Instance.get() as instance:
        record = get_backfill(instance, backfill_id)
        runs = instance.storage.backfill_runs(record.backfill_id)
    not_ok = [
        {"partition": r.partition, "status": r.status, "run_id": r.run_id}
        for r in runs
        if r.status != BackfillUnitState.SUCCEEDED
    ]
    if as_json:
        output.print_json({**record.to_json(), "unsuccessful_runs": not_ok})
        return
    out = output.console()
    details = record.to_json()
    left_out = details.pop("left_out")
    for name, value in details.items():
        out.print(output.text(f"{name:>12}: {value}"))
    for line in left_out:
        out.print(output.text(f"  {line}", "yellow"))
    for run in not_ok[:20]:
        out.print(
            output.text(f"  {run['partition'] or 'unpartitioned'} {run['status']} {output.short_id(run['run_id'])}")
        )


@backfill_group.command("cancel")
@click.argument("backfill_id")
def cancel_command(backfill_id: str) -> None:
    """Stop a backfill after the run in flight; resume it later with `headwater backfill resume`."""
    from headwater.instance import Instance
    from headwater.instance.backfill import cancel_backfill

    with Instance.get() as instance:
        record = cancel_backfill(instance, backfill_id)
    output.console().print(output.text(f"backfill {record.backfill_id[:8]} {record.status.value}"))


@backfill_group.command("resume")
@click.argument("backfill_id")
@location_options
@workers_option
@concurrency_option
@queue_option
@json_option
def resume_command(
    backfill_id: str,
    module: str | None,
    file: str | None,
    attribute: str | None,
    workers: int | None,
    max_concurrent: int,
    queue: bool,
    as_json: bool,
) -> None:
    """Run what is left of a backfill: failed, skipped and not yet started runs."""
    from headwater.instance import Instance
    from headwater.instance.backfill import get_backfill

    _check_queue(queue, workers)
    defs = load(module, file, attribute)
    with Instance.get() as instance:
        _run(instance, defs, get_backfill(instance, backfill_id), as_json, workers, max_concurrent, queue)
