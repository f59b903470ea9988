"""``headwater daemon``: tick schedules, sensors and asset conditions, launch queued runs and advance
the backfills handed to it (``backfill --queue``), until stopped (Ctrl-C or SIGTERM); ``--once`` does
a single tick and prints what it did."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options


def run_log_dir(home: str) -> Path:
    """Where the daemon writes the output of the run processes it launches (imported here only when
    called: the automation package is too heavy for every command's start)."""
    from headwater.automation.launcher import run_log_dir as launcher_log_dir

    return launcher_log_dir(home)


@click.command("daemon")
@location_options
@click.option("--once", is_flag=True, help="Do one tick and exit (prints what it did).")
@click.option("--interval", type=click.FloatRange(min=0.01), help="Seconds between ticks (default: [daemon] interval).")
@click.option(
    "--wait",
    "wait_runs",
    type=click.FloatRange(min=0),
    default=0,
    help="With --once: seconds to wait for launched runs.",
)
@click.option("--json", "as_json", is_flag=True, help="With --once: print the tick as JSON.")
def daemon_command(
    module: str | None,
    file: str | None,
    attribute: str | None,
    once: bool,
    interval: float | None,
    wait_runs: float,
    as_json: bool,
) -> None:
    """Run automation: schedules, sensors, asset conditions, the run queue and run monitoring."""
    from headwater.instance import Instance
    from headwater.instance.daemon import build_daemon

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        if interval is not None and instance.config is not None:
            instance.config.daemon.interval = interval
        daemon = build_daemon(instance, defs)
        if once:
            summary = daemon.tick()
            daemon.queue.release_lease("daemon", daemon.owner)
            if daemon.launcher is not None and wait_runs:
                daemon.launcher.wait(wait_runs)
            _report(summary, as_json=as_json)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        out = output.console(stderr=True)
        out.print(output.text(f"headwater daemon {daemon.owner} on {instance.storage.url}; Ctrl-C stops it"))
        try:
            daemon.run(stop)
        except KeyboardInterrupt:
            stop.set()


def _report(summary: Any, *, as_json: bool) -> None:
    if as_json:
        output.print_json(summary.to_json())
        return
    if not summary.acted:
        output.console().print(output.text(f"another daemon holds the lease ({summary.lease_owner}): nothing done"))
        return
    output.console().print(
        output.text(
            f"tick: {summary.ticks} schedule/sensor ticks, {summary.evaluated_assets} assets evaluated "
            f"({summary.requested_assets} requested), {len(summary.queued_runs)} runs queued, "
            f"{len(summary.launched_runs)} launched, {len(summary.failed_runs)} marked failed"
        )
    )
