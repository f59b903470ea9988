"""``headwater check``: validate definitions (for CI and pre-commit); ``check run|history`` for asset checks.

Without a subcommand, ``headwater check [-m|-f]`` loads the definitions and validates the asset graph.
"""

from __future__ import annotations

from typing import Any

import click

from headwater.cli import checks, output
from headwater.cli.loading import load, location_options


@click.group("check", invoke_without_command=True)
@location_options
@click.pass_context
def check_command(ctx: click.Context, module: str | None, file: str | None, attribute: str | None) -> None:
    """Validate definitions: load them and build the asset graph (cycles, unknown inputs, duplicates,
    partition mappings that cannot work) and check alerts' targets and selections; exit 2 with the
    error when they are invalid.

    With a subcommand: `check run` evaluates asset checks on stored values, `check history` lists results.
    """
    if ctx.invoked_subcommand is not None:
        return
    from headwater.graph import AssetGraph

    # An invalid definition raises HeadwaterError: the command group prints it and exits 2.
    defs = load(module, file, attribute)
    graph = AssetGraph.from_definitions(defs)
    _check_alerts(graph, defs)
    count = sum(len(found) for found in graph.checks.values())
    output.console().print(output.text(f"{len(graph)} assets, {count} checks, {len(graph.groups)} groups: OK", "green"))


def _check_alerts(graph: Any, defs: Any) -> None:
    """The alerts of the code and of headwater.toml name declared targets and valid selections (the
    daemon refuses to start otherwise); a headwater.toml that does not validate is reported too."""
    from headwater.instance.config import load_config

    config = load_config().automation.alerts
    alerts = [*defs.alerts, *config.alerts()]
    if alerts:  # the automation package is loaded only for projects that have alerts
        from headwater.automation.alerting import resolve_alerts

        resolve_alerts(graph, alerts, config.declared_targets())


check_command.add_command(checks.run_command)
check_command.add_command(checks.history_command)
