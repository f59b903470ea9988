"""``headwater materialize --queue`` and ``--run-id``: queue a run for the daemon, or execute a
queued one in this process (as the daemon's launcher does).

With ``--run-id -`` the process is a spare worker: it imports Headwater, loads the definitions and
opens the event log first, then waits for the daemon to write a run id on its stdin, so the run
starts without paying for any of that.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from headwater.cli import output

if TYPE_CHECKING:
    from headwater.definitions import Definitions
    from headwater.events import RunRecord
    from headwater.instance import Instance


def assigned(run_id: str) -> str:
    """``run_id``, or for ``-`` the id the daemon writes on stdin (a spare worker whose daemon stopped
    without giving it a run exits quietly)."""
    if run_id != "-":
        return run_id
    import click

    given = sys.stdin.readline().strip()
    if not given:
        raise click.exceptions.Exit(0)
    return given


def claim(instance: Instance, run_id: str) -> tuple[str, str | None, dict[str, Any], dict[str, str]]:
    """The selection, partition, config and tags of the queued run ``run_id``."""
    from headwater.instance.queue import queued_run

    run = queued_run(instance, run_id)
    return run.selection, run.partition, dict(run.config), dict(run.tags)


def load_for(run_id: str | None, load: Callable[[], Definitions]) -> Definitions:
    """``load()``; when it fails for a queued run (``--run-id ID``), that run ends failed with the error,
    so its run page says why instead of the launcher's "exited with code 2"."""
    from headwater.errors import HeadwaterError

    try:
        return load()
    except HeadwaterError as exc:
        if run_id is not None and run_id != "-":
            from headwater.instance import Instance

            with Instance.get() as instance:
                _fail_queued(instance, run_id, str(exc))
        raise


@contextmanager
def failing(instance: Instance, run_id: str | None) -> Iterator[None]:
    """A queued run that cannot start (bad selection, missing input) ends failed with the error."""
    from headwater.errors import HeadwaterError

    try:
        yield
    except HeadwaterError as exc:
        if run_id is not None:
            _fail_queued(instance, run_id, str(exc))
        raise


@contextmanager
def left_to_holder() -> Iterator[None]:
    """A queued run that another process claimed first is left to it: this one says so and exits 0."""
    import click

    from headwater.errors import RunNotActive

    try:
        yield
    except RunNotActive as exc:
        if exc.holder is None:
            raise
        output.console(stderr=True).print(output.text(str(exc), "yellow"))
        raise click.exceptions.Exit(0) from None


def _fail_queued(instance: Instance, run_id: str, error: str) -> None:
    from headwater.events import Event, EventType, RunEnded, RunStatus

    run = instance.storage.get_run(run_id)
    if run is not None and run.status is RunStatus.QUEUED:
        instance.storage.store_events(
            [Event(run_id=run_id, type=EventType.RUN_FAILED, data=RunEnded(error=error).to_data())]
        )


def report(run: RunRecord, *, as_json: bool) -> None:
    """Print the queued run."""
    if as_json:
        output.print_json({"run_id": run.run_id, "status": run.status.value, "selection": run.selection})
        return
    output.console().print(
        output.text(f"run {run.run_id} queued ({len(run.asset_keys)} assets): `headwater daemon` launches it")
    )
