"""``headwater check``: validate definitions (for CI and pre-commit); ``check run|history`` for asset checks.

Without a subcommand, ``headwater check [-m|-f]`` loads the definitions and validates the asset graph.
"""

from __future__ import annotations

import click

from headwater.cli import checks, output
from headwater.cli.loading import load, location_options

INVALID = 1


@click.group("check", invoke_without_command=True)
@location_options
@click.pass_context
def check_command(ctx: click.Context, module: str | None, file: str | None, attribute: str | None) -> None:
    """Validate definitions: load them and build the asset graph (cycles, unknown inputs, duplicates).

    With a subcommand: `check run` evaluates asset checks on stored values, `check history` lists results.
    """
    if ctx.invoked_subcommand is not None:
        return
    from headwater.errors import HeadwaterError
    from headwater.graph import AssetGraph

    try:
        graph = AssetGraph.from_definitions(load(module, file, attribute))
    except HeadwaterError as exc:
        if click.get_current_context().find_root().params.get("debug"):
            raise
        output.error(str(exc))
        raise click.exceptions.Exit(INVALID) from None
    count = sum(len(found) for found in graph.checks.values())
    output.console().print(output.text(f"{len(graph)} assets, {count} checks, {len(graph.groups)} groups: OK", "green"))


check_command.add_command(checks.run_command)
check_command.add_command(checks.history_command)
