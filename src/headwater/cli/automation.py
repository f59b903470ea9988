"""``headwater automation ticks|schedules|sensors|alerts|on|off|why``: what the daemon did and decided,
and switching schedules and sensors on and off. Only ``schedules``, ``sensors``, ``alerts``, ``on`` and
``off`` load the project's definitions (to know the names)."""

from __future__ import annotations

import time
from typing import Any

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@click.group("automation")
def automation_group() -> None:
    """Schedules, sensors and asset conditions: ticks, states, switching on and off, and why."""


def _store() -> Any:
    from headwater.instance import Instance
    from headwater.storage.automation import AutomationStore

    return AutomationStore(Instance.get().storage)


@automation_group.command("ticks")
@click.option("--name", metavar="NAME", help="Only this schedule or sensor ('asset_automation' for conditions).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Most recent ticks.")
@json_option
def ticks_command(name: str | None, limit: int, as_json: bool) -> None:
    """List recent ticks, newest first, with the runs they queued."""
    from headwater.automation.switches import tick_json

    store = _store()
    try:
        found = store.list_ticks(name, limit=limit)
    finally:
        store.storage.close()
    if as_json:
        output.print_json([tick_json(t) for t in found])
        return
    grid = output.table("tick", "instigator", "kind", "when", "status", "runs", "error")
    for t in found:
        grid.add_row(
            output.text(str(t.id)),
            output.text(t.instigator),
            output.text(t.kind),
            output.text(output.when(t.timestamp)),
            output.text(t.status),
            output.text(output.joined((output.short_id(r) for r in t.run_ids), "")),
            output.text(t.error or ""),
        )
    output.console().print(grid)
    if not found:
        output.console().print(output.text("no ticks yet: start `headwater daemon`", "dim"))


def _listing(kind: str, module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    from headwater.automation.switches import schedule_json, sensor_json

    defs = load(module, file, attribute)
    store = _store()
    try:
        states = store.instigator_states()
        last = store.latest_ticks([s.name for s in defs.sensors]) if kind == "sensor" else {}
    finally:
        store.storage.close()
    now = time.time()
    rows = (
        [schedule_json(schedule, states, now) for schedule in defs.schedules]
        if kind == "schedule"
        else [sensor_json(sensor, states, last.get(sensor.name), now) for sensor in defs.sensors]
    )
    if as_json:
        output.print_json(rows)
        return
    columns = (
        ["name", "status", "cron", "select", "last tick", "next tick"]
        if kind == "schedule"
        else ["name", "status", "kind", "interval", "select", "last tick", "took", "lag", "cursor"]
    )
    grid = output.table(*columns)
    for row in rows:
        last = output.when(row["last_tick_at"])
        switch = "on" if row["on"] else "off"
        if kind == "schedule":
            cron = f"{row['cron']} ({row['timezone']})"
            target = row["select"] or f"job {row['job']}"
            cells = [row["name"], switch, cron, target, last, output.when(row["next_tick_at"])]
        else:
            cells = [
                row["name"],
                switch,
                row["kind"],
                f"{row['interval']:g}s",
                row["select"] or (f"job {row['job']}" if row["job"] else ""),
                last,
                output.duration(row["last_duration"]),
                output.duration(row["lag"]),
                (row["cursor"] or "")[:40],
            ]
        grid.add_row(*(output.text(str(c)) for c in cells))
    output.console().print(grid)
    if not rows:
        output.console().print(output.text(f"no {kind}s in these definitions", "dim"))


@automation_group.command("schedules")
@location_options
@json_option
def schedules_command(module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    """List schedules: on/off, cron, selection, last and next tick."""
    _listing("schedule", module, file, attribute, as_json)


@automation_group.command("sensors")
@location_options
@json_option
def sensors_command(module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    """List sensors: on/off, kind, interval, last tick, how long it took, lag and cursor.

    Lag is how late the last evaluation started after the sensor was due (or, when more, how overdue
    it is now: a stopped daemon shows a growing lag)."""
    _listing("sensor", module, file, attribute, as_json)


def _set(name: str, enabled: bool, module: str | None, file: str | None, attribute: str | None) -> None:
    from headwater.automation.switches import instigator_kind

    defs = load(module, file, attribute)
    kind = instigator_kind(defs, name, listed_by="`headwater automation schedules` and `sensors` list them")
    store = _store()
    try:
        store.set_enabled(name, kind, enabled)
    finally:
        store.storage.close()
    output.console().print(output.text(f"{kind} '{name}' is {'on' if enabled else 'off'}"))


@automation_group.command("on")
@click.argument("name")
@location_options
def on_command(name: str, module: str | None, file: str | None, attribute: str | None) -> None:
    """Switch a schedule or sensor on (NAME; 'asset_automation' for all asset conditions)."""
    _set(name, True, module, file, attribute)


@automation_group.command("off")
@click.argument("name")
@location_options
def off_command(name: str, module: str | None, file: str | None, attribute: str | None) -> None:
    """Switch a schedule or sensor off (NAME; 'asset_automation' for all asset conditions)."""
    _set(name, False, module, file, attribute)


@automation_group.command("alerts")
@location_options
@json_option
def alerts_command(module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    """List alerts (hw.Alert and [[alerts.rules]]): their open incidents and the notices still owed."""
    from headwater.automation.alert_state import alert_json, instigator_name
    from headwater.instance import Instance
    from headwater.storage.automation import AutomationStore

    defs = load(module, file, attribute)
    instance = Instance.get()
    try:
        rules = instance.config.automation.alerts.alerts() if instance.config is not None else []
        states = AutomationStore(instance.storage).instigator_states()
    finally:
        instance.storage.close()
    rows = [alert_json(alert, states.get(instigator_name(alert.name))) for alert in [*defs.alerts, *rules]]
    if as_json:
        output.print_json(rows)
        return
    grid = output.table("alert", "on", "targets", "last tick", "open incidents", "owed")
    for row in rows:
        incidents = "\n".join(f"{i['id']}: {i['summary']}" for i in row["open"]) or "none"
        owed = "\n".join(f"{d['delivery']} -> {d['target']} ({d['attempts']} tries: {d['error']})" for d in row["owed"])
        cells = [
            row["name"],
            row["describe"],
            ", ".join(row["targets"]),
            output.when(row["last_tick_at"]),
            incidents,
            owed,
        ]
        grid.add_row(*(output.text(c) for c in cells))
    output.console().print(grid)
    if not rows:
        output.console().print(
            output.text("no alerts: declare hw.Alert(...) or [[alerts.rules]] in headwater.toml", "dim")
        )


@automation_group.command("why")
@click.argument("key")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=1), help="Evaluations to show.")
@json_option
def why_command(key: str, limit: int, as_json: bool) -> None:
    """Show an asset's recent condition evaluations: each sub-condition and whether it was true."""
    from headwater.automation.conditions import detail_tree
    from headwater.keys import AssetKey

    store = _store()
    try:
        found = store.evaluations(AssetKey.parse(key), limit=limit)
    finally:
        store.storage.close()
    if as_json:
        output.print_json(found)
        return
    out = output.console()
    if not found:
        out.print(output.text(f"'{key}' has no condition evaluations yet (is `headwater daemon` running?)", "dim"))
    for evaluation in found:
        verdict = "requested" if evaluation["requested"] else "not requested"
        out.print(output.text(f"{output.when(evaluation['timestamp'])}: {verdict}", "bold"))
        stack = [(detail_tree(evaluation["detail"]), 1)]
        while stack:
            node, depth = stack.pop()
            mark = "✓" if node["true"] else "✗"
            out.print(output.text(f"{'  ' * depth}{mark} {node['condition']}"))
            stack.extend((child, depth + 1) for child in reversed(node.get("children", [])))


@automation_group.command("prune")
@click.option("--runs-days", type=click.FloatRange(min=0, min_open=True), help="Delete runs older than this.")
@click.option("--keep-runs", type=click.IntRange(min=1), help="Keep only this many most recent runs.")
@click.option("--ticks-days", type=click.FloatRange(min=0, min_open=True), help="Delete ticks older than this.")
@click.option("--keep-ticks", type=click.IntRange(min=1), help="Keep this many most recent ticks per instigator.")
@json_option
def prune_command(
    runs_days: float | None, keep_runs: int | None, ticks_days: float | None, keep_ticks: int | None, as_json: bool
) -> None:
    """Delete old runs (events, logs) and ticks now, by [retention] in headwater.toml or these options.

    Each asset's latest materialization, observation and failure are always kept.
    """
    from headwater.automation.config import RetentionConfig
    from headwater.automation.retention import prune
    from headwater.cli.daemon import run_log_dir
    from headwater.errors import ConfigError
    from headwater.instance import Instance

    options = {"runs_days": runs_days, "keep_runs": keep_runs, "ticks_days": ticks_days, "keep_ticks": keep_ticks}
    given = {k: v for k, v in options.items() if v is not None}
    with Instance.get() as instance:
        config = instance.config
        limits = config.automation.retention_limits() if config is not None else RetentionConfig()
        limits = limits.model_copy(update=given) if given else limits
        if not limits.enabled:
            raise ConfigError(
                "nothing to prune: no retention limits are set; add [retention] keep_runs = N (or runs_days, "
                "ticks_days, keep_ticks) to headwater.toml, or pass --keep-runs N / --runs-days D"
            )
        result = prune(instance.storage, limits, time.time())
        if config is not None:
            for run_id in result.runs:
                (run_log_dir(config.home) / f"{run_id}.log").unlink(missing_ok=True)
    if as_json:
        output.print_json(result.to_json())
        return
    counts = result.to_json()
    output.console().print(
        output.text(
            f"deleted {counts['runs']} runs ({counts['events']} events, {counts['step_logs']} log lines) and "
            f"{counts['ticks']} ticks ({counts['evaluations']} condition evaluations)"
        )
    )


def _at_option(value: str | None) -> Any:
    from datetime import datetime

    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a time: give ISO 8601 such as 2026-01-05T02:00 (read in the schedule's timezone, "
            "UTC for sensors) or 2026-01-05T02:00+01:00",
            param_hint="--at",
        ) from None


@automation_group.command("tick")
@click.argument("name")
@click.option("--at", "at_text", metavar="TIME", help="When to evaluate (ISO 8601, default now).")
@click.option("--dry-run", is_flag=True, help="Print what the tick requests; queue nothing.")
@location_options
@json_option
def tick_command(
    name: str,
    at_text: str | None,
    dry_run: bool,
    module: str | None,
    file: str | None,
    attribute: str | None,
    as_json: bool,
) -> None:
    """Evaluate the schedule or sensor NAME at --at without the daemon: print the runs it requests
    and, without --dry-run, queue them (recorded as a tick, once per tick or run key)."""
    from headwater.automation.ticking import tick_now

    at = _at_option(at_text)
    defs = load(module, file, attribute)
    from headwater.instance import Instance

    with Instance.get() as instance:
        runs = instance.config.runs if instance.config is not None else None
        priority = {"priority_tag": runs.priority_tag} if runs is not None else {}
        found = tick_now(instance.storage, defs, name, at=at, dry_run=dry_run, **priority)
    if as_json:
        output.print_json(found)
        return
    out = output.console()
    head = f"{found['kind']} '{name}' at {found['at']}"
    if found.get("tick"):
        head += f" (tick {found['tick']})"
    out.print(output.text(head, "bold"))
    grid = output.table("select", "partition", "run key", "tags", "run")
    for request, run_id in zip(found["requests"], found["run_ids"] or [None] * len(found["requests"]), strict=True):
        tags = ", ".join(f"{k}={v}" for k, v in request["tags"].items())
        cells = [request["select"] or "", request["partition"] or "", request["run_key"] or "", tags]
        grid.add_row(*(output.text(str(c)) for c in [*cells, output.short_id(run_id) if run_id else "-"]))
    if found["requests"]:
        out.print(grid)
    else:
        out.print(output.text(f"no runs requested{': ' + found['skip_reason'] if found.get('skip_reason') else ''}"))
    if found.get("error"):
        output.error(found["error"])
    if dry_run:
        out.print(output.text("dry run: nothing queued", "dim"))
    elif found["run_ids"]:
        out.print(output.text(f"queued {len(found['run_ids'])} run(s); the daemon launches them", "dim"))
