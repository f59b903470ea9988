"""``headwater observe`` and ``headwater report``: record data made outside Headwater.

Thin: ``Instance.observe`` and ``Instance.report`` do the work; ``report --url`` asks a running
server instead (``headwater.cli.remote``).
"""

from __future__ import annotations

import json
from typing import Any

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

FAILED = 1


@click.command("observe")
@location_options
@click.option("--select", "selection", metavar="SEL", help="Source assets to observe (default: every observable one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def observe_command(
    module: str | None, file: str | None, attribute: str | None, selection: str | None, as_json: bool
) -> None:
    """Call the observe= functions of source assets and record their data versions; exit 1 if one fails."""
    from headwater.events import AssetObserved, EventType, StepFailedPayload
    from headwater.instance import Instance

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        result = instance.observe(defs, selection)
    rows: list[dict[str, Any]] = []
    for event in result.events:
        if event.type is EventType.ASSET_OBSERVED:
            observed = AssetObserved.from_data(event.data)
            rows.append(
                {
                    "key": str(event.asset_key),
                    "observed": True,
                    "data_version": observed.data_version,
                    "metadata": dict(observed.metadata),
                }
            )
        elif event.type is EventType.STEP_FAILED:
            error = StepFailedPayload.from_data(event.data).error
            rows.append({"key": event.step_key, "observed": False, "error": error})
    if as_json:
        output.print_json({"run_id": result.run_id, "success": result.success, "observations": rows})
    else:
        grid = output.table("key", "outcome", "data version", "details")
        for row in rows:
            if row["observed"]:
                output.add_row(
                    grid, row["key"], "observed", row["data_version"], output.short_metadata(row["metadata"])
                )
            else:
                output.add_row(grid, row["key"], "failed", "-", row["error"], style="red")
        output.console().print(grid)
    if not result.success:
        raise click.exceptions.Exit(FAILED)


def _metadata(pairs: tuple[str, ...]) -> dict[str, Any]:
    from headwater.errors import ConfigError

    found: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise ConfigError(f"--metadata {pair!r} is not NAME=VALUE: write e.g. --metadata rows=120")
        try:
            found[name] = json.loads(text)
        except ValueError:
            found[name] = text
    return found


@click.command("report")
@click.argument("key")
@location_options
@click.option("--data-version", metavar="V", help="The data version (default: the run id).")
@click.option("--metadata", "pairs", multiple=True, metavar="NAME=VALUE", help="Metadata (numbers kept as numbers).")
@click.option("--partition", metavar="KEY", help="The partition that was made.")
@click.option("--observation", is_flag=True, help="Record an observation instead of a materialization.")
@click.option(
    "--url",
    envvar="HEADWATER_URL",
    metavar="URL",
    help="Report to this running `headwater web` (env HEADWATER_URL) instead of the local event log.",
)
@click.option(
    "--token",
    envvar="HEADWATER_TOKEN",
    metavar="TOKEN",
    help="A personal API token (`headwater tokens create`) for --url (env HEADWATER_TOKEN).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def report_command(
    key: str,
    module: str | None,
    file: str | None,
    attribute: str | None,
    data_version: str | None,
    pairs: tuple[str, ...],
    partition: str | None,
    observation: bool,
    url: str | None,
    token: str | None,
    as_json: bool,
) -> None:
    """Record a materialization made by another system, so lineage and staleness include it.

    With --url, the running server records it (with the user of --token) and wakes the daemon.
    """
    metadata = _metadata(pairs)
    if url:
        from headwater.cli.remote import asset_path, post_json

        body = {"data_version": data_version, "metadata": metadata, "partition": partition, "observation": observation}
        found = post_json(url, asset_path(key, "report"), body, token=token)
        run_id, shown, version = str(found.get("run_id", "")), found.get("key", key), found.get("data_version")
        if as_json:
            output.print_json(found)
            return
    else:
        from headwater.instance import Instance

        if token:
            raise click.UsageError("--token is for --url: a local report needs no token")
        defs = load(module, file, attribute)
        with Instance.get() as instance:
            result = instance.report(
                key,
                data_version=data_version,
                metadata=metadata,
                partition=partition,
                observation=observation,
                defs=defs,
            )
        event = next(e for e in result.events if e.asset_key is not None)  # the one recorded
        if as_json:
            output.print_json({"run_id": result.run_id, "key": str(event.asset_key), "data": dict(event.data)})
            return
        run_id, shown, version = result.run_id, str(event.asset_key), event.asset_payload().data_version
    kind = "observation" if observation else "materialization"
    output.console().print(
        output.text(
            f"recorded a {kind} of {shown} with data version {version} (run {output.short_id(run_id)})", "green"
        )
    )
