"""``headwater check run`` and ``headwater check history``: asset checks on stored values, and their results.

Thin: ``Instance.run_checks`` and ``Instance.check_history`` do the work.
"""

from __future__ import annotations

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

FAILED = 1

OUTCOME_STYLES = {"passed": "green", "failed": "red", "errored": "red", "warned": "yellow"}


@click.command("run")
@location_options
@click.option("--select", "selection", metavar="SEL", help="Assets whose checks to run (default: all).")
@click.option("--check", "names", multiple=True, metavar="NAME", help="Only checks with this name (repeatable).")
@click.option("--partition", metavar="KEY", help="Check this partition's stored value.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def run_command(
    module: str | None,
    file: str | None,
    attribute: str | None,
    selection: str | None,
    names: tuple[str, ...],
    partition: str | None,
    as_json: bool,
) -> None:
    """Evaluate asset checks against stored values, without materializing; exit 1 if an error-severity check fails."""
    from headwater.events import EventType
    from headwater.instance import Instance
    from headwater.state.history import CheckEvaluation, evaluation

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        result = instance.run_checks(defs, selection, partition=partition, names=list(names) or None)
    found: list[CheckEvaluation] = [evaluation(e) for e in result.events if e.type is EventType.CHECK_EVALUATED]
    if as_json:
        output.print_json(
            {
                "run_id": result.run_id,
                "success": result.success,
                "checks": [{"asset": str(e.asset), **e.to_json()} for e in found],
            }
        )
    else:
        grid = output.table("asset", "check", "outcome", "severity", "details")
        for item in found:
            details = item.error or item.description or output.short_metadata(item.metadata, limit=80)
            output.add_row(
                grid,
                str(item.asset),
                item.check,
                item.outcome,
                item.severity,
                details,
                style=OUTCOME_STYLES.get(item.outcome),
            )
        out = output.console()
        out.print(grid)
        passed = sum(1 for item in found if item.passed)
        out.print(output.text(f"{passed} of {len(found)} checks passed (run {output.short_id(result.run_id)})"))
    if not result.success:
        raise click.exceptions.Exit(FAILED)


@click.command("history")
@click.argument("key")
@location_options
@click.option("--check", "name", metavar="NAME", help="Only this check.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Evaluations to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def history_command(
    key: str, module: str | None, file: str | None, attribute: str | None, name: str | None, limit: int, as_json: bool
) -> None:
    """Past evaluations of an asset's checks, newest first."""
    from headwater.errors import SelectionError, did_you_mean
    from headwater.graph import AssetGraph
    from headwater.instance import Instance

    graph = AssetGraph.from_definitions(load(module, file, attribute))
    node = graph.node(key)
    declared = [chk.name for chk in graph.checks.get(node.key, ())]
    if name is not None and name not in declared:
        raise SelectionError(
            f"asset '{node.key}' has no check '{name}'{did_you_mean(name, declared)}; "
            f"its checks are: {', '.join(declared) or '(none)'}"
        )
    with Instance.get() as instance:
        found = instance.check_history(node.key, name, limit=limit)
    if as_json:
        output.print_json([item.to_json() for item in found])
        return
    grid = output.table("evaluated", "run", "check", "outcome", "details", title=f"checks of {node.key}")
    for item in found:
        details = item.error or item.description or output.short_metadata(item.metadata, limit=80)
        output.add_row(
            grid,
            output.when(item.timestamp),
            output.short_id(item.run_id),
            item.check,
            item.outcome,
            details,
            style=OUTCOME_STYLES.get(item.outcome),
        )
    output.console().print(grid)
