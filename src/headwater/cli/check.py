"""``headwater check``: load the definitions and validate the asset graph (for CI and pre-commit)."""

from __future__ import annotations

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

INVALID = 1


@click.command("check")
@location_options
def check_command(module: str | None, file: str | None, attribute: str | None) -> None:
    """Validate definitions: load them and build the asset graph (cycles, unknown inputs, duplicates)."""
    from headwater.errors import HeadwaterError
    from headwater.graph import AssetGraph

    try:
        graph = AssetGraph.from_definitions(load(module, file, attribute))
    except HeadwaterError as exc:
        if click.get_current_context().find_root().params.get("debug"):
            raise
        output.error(str(exc))
        raise click.exceptions.Exit(INVALID) from None
    checks = sum(len(found) for found in graph.checks.values())
    output.console().print(
        output.text(f"{len(graph)} assets, {checks} checks, {len(graph.groups)} groups: OK", "green")
    )
