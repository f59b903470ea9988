"""``headwater runs list|show|logs``: runs from the event log. Opens storage only, never user code.

``--json`` prints the shapes of the web API's ``/api/runs`` and ``/api/runs/RUN_ID`` (``web.serialize``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from headwater.cli import output
from headwater.events import RunEnded, RunStatus, StepFailedPayload
from headwater.tags import launched_by

if TYPE_CHECKING:
    from headwater.events import RunRecord
    from headwater.storage import Storage

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
_PAGE = 1000


@click.group("runs")
def runs_group() -> None:
    """Inspect runs: list them, show one with its steps, or print its logs."""


def find_run(storage: Storage, prefix: str) -> RunRecord:
    """The run whose id is ``prefix`` or uniquely starts with it; else HeadwaterError."""
    from headwater.errors import HeadwaterError

    exact = storage.get_run(prefix)
    if exact is not None:
        return exact
    matches: list[RunRecord] = []
    offset = 0
    while True:  # Storage has no prefix query; scan newest first, page by page
        page = storage.list_runs(limit=_PAGE, offset=offset)
        matches.extend(run for run in page if run.run_id.startswith(prefix))
        if len(page) < _PAGE:
            break
        offset += _PAGE
    if not matches:
        raise HeadwaterError(f"no run with id '{prefix}' in {storage.url}: `headwater runs list` shows run ids")
    if len(matches) > 1:
        shown = ", ".join(run.run_id for run in matches[:5]) + (", ..." if len(matches) > 5 else "")
        raise HeadwaterError(
            f"run id prefix '{prefix}' is ambiguous: it matches {len(matches)} runs ({shown}); type more characters"
        )
    return matches[0]


def _storage() -> Storage:
    from headwater.instance import Instance

    return Instance.get().storage


@runs_group.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Most recent runs to show.")
@click.option("--status", type=click.Choice([s.value for s in RunStatus]), help="Only runs with this status.")
@json_option
def list_command(limit: int, status: str | None, as_json: bool) -> None:
    """List recent runs, newest first."""
    from headwater.web.serialize import run_json

    storage = _storage()
    try:
        found = storage.list_runs(limit=limit, statuses=[RunStatus(status)] if status else None)
    finally:
        storage.close()
    if as_json:
        output.print_json([run_json(run) for run in found])
        return
    grid = output.table("run", "status", "created", "duration", "selection", "assets", "partition", "tags")
    for run in found:
        grid.add_row(
            output.text(run.run_id),
            output.text(run.status.value, output.STATUS_STYLES.get(run.status.value)),
            output.text(output.when(run.created_at)),
            output.text(output.duration(run.duration)),
            output.text(run.selection),
            output.text(str(len(run.asset_keys))),
            output.text(run.partition or ""),
            output.text(output.joined((f"{k}={v}" for k, v in run.tags.items()), "")),
        )
    out = output.console()
    out.print(grid)
    if not found:
        out.print(output.text("no runs yet: start one with `headwater materialize`", "dim"))


@runs_group.command("show")
@click.argument("run_id")
@json_option
def show_command(run_id: str, as_json: bool) -> None:
    """Show a run (RUN_ID or a unique prefix): status, times, selection and its steps."""
    from headwater.cli.run_summary import outcome_table, summarise
    from headwater.web.serialize import run_detail_json

    storage = _storage()
    try:
        run = find_run(storage, run_id)
        events = [record.event for record in storage.get_events(run.run_id)]
    finally:
        storage.close()
    if as_json:
        output.print_json(run_detail_json(run, events, len(events)))
        return
    outcome = summarise(events, expected=[k.to_string() for k in run.asset_keys])
    out = output.console()
    out.print(output.text(f"run {run.run_id}", "bold"))
    out.print(
        output.key_value_lines(
            [
                ("status", run.status.value),
                ("created", output.when(run.created_at)),
                ("started", output.when(run.started_at)),
                ("finished", output.when(run.finished_at)),
                ("duration", output.duration(run.duration)),
                ("selection", run.selection),
                ("partition", run.partition or "-"),
                ("launched by", launched_by(run.tags) or "a command or script"),
                ("tags", output.joined(f"{k}={v}" for k, v in run.tags.items())),
                ("config", output.short_metadata(run.config, limit=200) or "-"),
                ("error", run.error or "-"),
            ]
        )
    )
    out.print(outcome_table(outcome))
    for failure in outcome.failures:
        out.print(output.text(f"{failure.step}: {failure.error}", "red"))
    if outcome.failures:
        out.print(output.text(f"tracebacks: headwater runs logs {output.short_id(run.run_id)}", "dim"))


@runs_group.command("logs")
@click.argument("run_id")
@click.option("--step", metavar="KEY", help="Only this step's logs.")
def logs_command(run_id: str, step: str | None) -> None:
    """Print a run's captured stdout, stderr and context.log text per step, and tracebacks of failed steps."""
    from headwater.errors import HeadwaterError, did_you_mean
    from headwater.events import EventType

    storage = _storage()
    try:
        run = find_run(storage, run_id)
        logs = storage.get_logs(run.run_id, step)
        failed = storage.get_events(run.run_id, types=[EventType.STEP_FAILED, EventType.RUN_FAILED])
        if step is not None and not logs:
            started = storage.get_events(run.run_id, types=[EventType.STEP_STARTED])
            steps = sorted({r.event.step_key for r in started if r.event.step_key})
            if step not in steps:
                raise HeadwaterError(
                    f"run {run.run_id} has no step '{step}'{did_you_mean(step, steps)}; "
                    f"its steps: {output.joined(steps, '(none)')}"
                )
    finally:
        storage.close()
    out = output.console()
    by_step: dict[str, list[str]] = {}
    for chunk in logs:
        by_step.setdefault(chunk.step_key, []).append(chunk.text)
    for key, chunks in by_step.items():
        out.rule(output.text(f"step {key}", "bold"), align="left")
        click.echo("".join(chunks).rstrip("\n"))
    for record in failed:
        event = record.event
        if step is not None and event.step_key != step:
            continue
        failure = event.payload()
        trace = failure.traceback or failure.error or "" if isinstance(failure, StepFailedPayload | RunEnded) else ""
        if not trace:
            continue
        title = f"traceback of step {event.step_key}" if event.step_key else "run failure"
        out.rule(output.text(title, "bold red"), align="left")
        click.echo(trace.rstrip("\n"))
    if not by_step and not failed:
        out.print(output.text(f"run {run.run_id} captured no output", "dim"))


@runs_group.command("cancel")
@click.argument("run_id")
def cancel_command(run_id: str) -> None:
    """Cancel a run (RUN_ID or a unique prefix): a queued run ends at once; a running one stops
    starting steps within a second and ends as canceled."""
    from headwater.errors import HeadwaterError
    from headwater.instance import Instance

    with Instance.get() as instance:
        run = find_run(instance.storage, run_id)
        if run.status.finished:
            raise HeadwaterError(
                f"run {run.run_id} already {run.status.value}: only queued or running runs can be canceled"
            )
        instance.cancel_run(run.run_id)
    output.console().print(output.text(f"cancel requested for run {run.run_id} ({run.status.value})"))
