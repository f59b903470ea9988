"""``headwater check``: validate definitions (for CI and pre-commit); ``check run|history`` for asset checks.

Without a subcommand, ``headwater check [-m|-f]`` loads the definitions and validates the asset graph.
"""

from __future__ import annotations

import click

from headwater.cli import checks, output
from headwater.cli.loading import load, location_options


@click.group("check", invoke_without_command=True)
@location_options
@click.pass_context
def check_command(ctx: click.Context, module: str | None, file: str | None, attribute: str | None) -> None:
    """Validate definitions: load them and build the asset graph (cycles, unknown inputs, duplicates,
    partition mappings that cannot work); exit 2 with the error when they are invalid.

    With a subcommand: `check run` evaluates asset checks on stored values, `check history` lists results.
    """
    if ctx.invoked_subcommand is not None:
        return
    from headwater.graph import AssetGraph

    # An invalid definition raises HeadwaterError: the command group prints it and exits 2.
    graph = AssetGraph.from_definitions(load(module, file, attribute))
    count = sum(len(found) for found in graph.checks.values())
    output.console().print(output.text(f"{len(graph)} assets, {count} checks, {len(graph.groups)} groups: OK", "green"))


check_command.add_command(checks.run_command)
check_command.add_command(checks.history_command)
