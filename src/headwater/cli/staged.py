"""``headwater assets staged|publish|discard``: the values held back by their checks
(``publish="after_checks"``), and publishing one anyway or discarding it."""

from __future__ import annotations

import getpass

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

_json = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
_run = click.option("--run", "run_id", metavar="RUN_ID", help="The run that staged the value (default: the only one).")
_partition = click.option("--partition", metavar="KEY", help="The partition whose held-back value to settle.")


@click.command("staged")
@click.argument("key", required=False)
@location_options
@_json
def staged_command(key: str | None, module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    """List the new values held back because a blocking check failed (of KEY, or of every asset)."""
    from headwater.instance import Instance

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        held = instance.staged(defs, key)
    if as_json:
        output.print_json([value.to_json() for value in held])
        return
    if not held:
        output.console().print("No value is held back.")
        return
    grid = output.table("asset", "partition", "staged by run", "data version", "why")
    for value in held:
        grid.add_row(value.key.to_string(), value.partition or "", value.run_id, value.data_version or "", value.reason)
    output.console().print(grid)
    output.console().print(
        "Publish one anyway with `headwater assets publish KEY`, or drop it with `headwater assets discard KEY`."
    )


def _settle(
    key: str, publish: bool, module: str | None, file: str | None, attribute: str | None, **options: str | None
) -> None:
    from headwater.instance import Instance

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        held = instance.settle_staged(defs, key, publish=publish, by=_user(), **options)
    done = "published" if publish else "discarded"
    part = f" partition '{held.partition}'" if held.partition else ""
    output.console().print(f"{done.capitalize()} the value of '{held.key}'{part} staged by run {held.run_id}.")


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        return None


@click.command("publish")
@click.argument("key")
@location_options
@_run
@_partition
@click.option("--reason", help="Why it is published although a check failed (recorded).")
def publish_command(
    key: str,
    module: str | None,
    file: str | None,
    attribute: str | None,
    run_id: str | None,
    partition: str | None,
    reason: str | None,
) -> None:
    """Publish KEY's held-back value anyway: it becomes the value readers and downstream see."""
    _settle(key, True, module, file, attribute, run_id=run_id, partition=partition, reason=reason)


@click.command("discard")
@click.argument("key")
@location_options
@_run
@_partition
@click.option("--reason", help="Why it is dropped (recorded).")
def discard_command(
    key: str,
    module: str | None,
    file: str | None,
    attribute: str | None,
    run_id: str | None,
    partition: str | None,
    reason: str | None,
) -> None:
    """Drop KEY's held-back value: the published value stands."""
    _settle(key, False, module, file, attribute, run_id=run_id, partition=partition, reason=reason)
