"""``headwater assets status|why|history``: is each asset current, why has it its value, and how its metadata moved.

Thin: the answers come from ``Instance.status``, ``Instance.why`` and ``Instance.metadata_history``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

if TYPE_CHECKING:
    from rich.tree import Tree

    from headwater.state.lineage import Why

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")

STATUS_STYLES = {"fresh": "green", "stale": "yellow", "missing": "dim", "overdue": "red", "on_time": "green"}


@click.command("status")
@click.argument("asset", metavar="[KEY]", required=False)
@location_options
@click.option("--select", "selection", metavar="SEL", help="Only assets in this selection (e.g. 'status:stale').")
@click.option(
    "--partition",
    metavar="KEY",
    help="Status of one partition, compared with the upstream partitions it reads "
    "(default: unpartitioned assets, and a partition summary for partitioned ones).",
)
@click.option(
    "--partitions",
    "each_partition",
    is_flag=True,
    help="With KEY, a partitioned asset: the health of each partition (materialized, stale, failed, check "
    "failed, overdue, missing, in progress) as ranges with their reasons, and per dimension.",
)
@json_option
def status_command(
    asset: str | None,
    module: str | None,
    file: str | None,
    attribute: str | None,
    selection: str | None,
    partition: str | None,
    each_partition: bool,
    as_json: bool,
) -> None:
    """Show whether each asset (or asset KEY) is fresh, stale or missing, every reason it is not fresh,
    and freshness (overdue).

    Without --partition a partitioned asset shows its partition health instead ("4/4 partitions",
    failed, in progress and stale counts), as ``/api/assets/KEY`` gives it; ``KEY --partitions``
    shows each of its partitions.
    """
    if each_partition:
        if asset is None or selection is not None or partition is not None:
            raise click.UsageError(
                "--partitions shows the partitions of one asset: give its key, e.g. "
                "`headwater assets status daily_sales --partitions` (without --select or --partition)"
            )
        _partition_grid(asset, module, file, attribute, as_json)
        return
    if asset is not None:
        if selection is not None:
            raise click.UsageError(f"give the asset {asset!r} or --select {selection!r}, not both")
        selection = asset
    from headwater.instance import Instance
    from headwater.state.partition_health import partition_health
    from headwater.state.status import ReasonKind, partition_summary

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        graph = instance.graph_for(defs)
        keys = graph.sort(instance.select(defs, selection))
        status = instance.status(defs, partition)
        rows = [{**status.state(key).to_json(), "freshness": status.freshness.get(key)} for key in keys]
        for row, key in zip(rows, keys, strict=True):
            found = status.partitions(key) if partition is None else None
            row["partitions"] = {**found.to_json(), "text": partition_summary(found)} if found is not None else None
            row["partition_health"] = None
            if found is not None:
                health = partition_health(instance.storage, graph, key, found, status.mapped.context)
                row["partition_health"] = health.to_json()
                row["status"] = health.status
                # "never materialized unpartitioned" says nothing about a partitioned asset: its partitions do.
                row["reasons"] = [r for r in row["reasons"] if r["kind"] != ReasonKind.NEVER_MATERIALIZED]
        counts = dict.fromkeys(("fresh", "stale", "missing"), 0)
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        overdue = len(status.overdue.intersection(keys))
    if as_json:
        output.print_json({"assets": rows, "counts": {**counts, "overdue": overdue}})
        return
    columns = ["key", "status", "freshness", "data version", "materialized", "reasons"]
    grid = output.table(*columns)
    for row in rows:
        reasons = [r["text"] for r in row["reasons"]]
        shown = "; ".join(reasons[:3]) + (f" (+{len(reasons) - 3} more)" if len(reasons) > 3 else "")
        health = row["partition_health"]
        output.add_row(
            grid,
            row["key"],
            health["text"] if health else row["status"],
            row["freshness"]["status"].replace("_", " ") if row["freshness"] else "-",
            row["data_version"] or "-",
            output.when(made) if (made := row["timestamp"] or (health or {}).get("last_materialized")) else "never",
            shown,
            style=None,
        )
    out = output.console()
    out.print(grid)
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    late = f"; {overdue} overdue" if overdue else ""
    out.print(output.text(f"{len(rows)} assets: {summary}{late}"))


def _partition_grid(key: str, module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    import time

    from headwater.instance import Instance
    from headwater.state.partition_grid import partition_grid
    from headwater.state.partition_status import key_context

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        graph = instance.graph_for(defs)
        found = partition_grid(instance.storage, graph, key, key_context(instance.storage, graph), now=time.time())
    if as_json:
        output.print_json(found.to_json())
        return
    out = output.console()
    counts = ", ".join(f"{n:,} {s.replace('_', ' ')}" for s, n in found.counts.items() if n)
    out.print(output.text(f"{found.asset_key}: {found.total:,} partitions ({found.partitions}): {counts}"))
    table = output.table("status", "from", "to", "count", "reason")
    for span in found.ranges:
        status = output.text(span.status.replace("_", " "), output.STATUS_STYLES.get(span.status, ""))
        table.add_row(status, *(output.text(v) for v in (span.start, span.end, f"{span.count:,}", span.reason)))
    out.print(table)
    for name, values in found.dimensions:
        by_value = output.table(name, "status", "partitions")
        for value in values:
            shown = ", ".join(f"{n:,} {s.replace('_', ' ')}" for s, n in value.counts.items())
            style = output.STATUS_STYLES.get(value.status, "")
            by_value.add_row(
                output.text(value.value), output.text(value.status.replace("_", " "), style), output.text(shown)
            )
        out.print(by_value)


@click.command("why")
@click.argument("key")
@location_options
@click.option("--depth", default=3, show_default=True, type=click.IntRange(min=0), help="Levels of inputs to follow.")
@json_option
def why_command(
    key: str, module: str | None, file: str | None, attribute: str | None, depth: int, as_json: bool
) -> None:
    """Explain an asset's current value: its run, and the inputs it consumed (run, time, data version)."""
    from headwater.instance import Instance

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        why = instance.why(defs, key, depth)
        state = instance.status(defs).state(why.key).to_json()
    if as_json:
        output.print_json({**why.to_json(), "status": state["status"], "reasons": state["reasons"]})
        return
    from rich.tree import Tree

    tree = Tree(output.text(_label(why), "bold"))
    _branches(tree, why)
    out = output.console()
    out.print(tree)
    out.print(output.text(f"status: {state['status']}", STATUS_STYLES.get(state["status"])))
    for reason in state["reasons"]:
        out.print(output.text(f"  - {reason['text']}"))


def _label(why: Why) -> str:
    from headwater.events import AssetMaterialized

    record = why.record
    if record is None:
        if why.consumed is not None:
            return f"{why.key}  consumed version {why.consumed}, no longer in the event log"
        return f"{why.key}  never materialized"
    event = record.event
    parts = [why.key.to_string(), f"version {why.data_version or '-'}", f"run {output.short_id(event.run_id)}"]
    parts.append(output.when(event.timestamp))
    made = event.asset_payload()
    if isinstance(made, AssetMaterialized) and made.code_version is not None:
        parts.append(f"code {made.code_version}")
    if event.partition is not None:
        parts.append(f"partition {event.partition}")
    if why.consumed is not None or why.latest_version is not None:
        parts.append("current" if why.current else f"since replaced by version {why.latest_version}")
    return "  ".join(parts)


def _branches(tree: Tree, why: Why) -> None:
    stack: list[tuple[Tree, Why]] = [(tree, why)]
    while stack:
        branch, node = stack.pop()
        for child in node.inputs:
            style = None if child.current else "yellow"
            stack.append((branch.add(output.text(_label(child), style)), child))
        if node.truncated:
            branch.add(output.text("… (deeper inputs: raise --depth)", "dim"))


@click.command("history")
@click.argument("key")
@location_options
@click.option("--metadata", "name", metavar="NAME", help="The numeric metadata entry (default: list the names).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1), help="Materializations to read.")
@json_option
def history_command(
    key: str, module: str | None, file: str | None, attribute: str | None, name: str | None, limit: int, as_json: bool
) -> None:
    """Numeric metadata of an asset over its materializations (oldest first), for plotting."""
    from headwater.errors import SelectionError, did_you_mean
    from headwater.graph import AssetGraph
    from headwater.instance import Instance
    from headwater.state.history import metadata_names

    graph = AssetGraph.from_definitions(load(module, file, attribute))
    node = graph.node(key)
    with Instance.get() as instance:
        names = metadata_names(instance.storage, node.key, limit=limit)
        if name is not None and name not in names:
            known = ", ".join(names) or "(none recorded yet)"
            raise SelectionError(
                f"asset '{node.key}' has no numeric metadata '{name}' in its last {limit} materializations"
                f"{did_you_mean(name, names)}; recorded: {known}"
            )
        points = instance.metadata_history(node.key, name, limit=limit) if name is not None else []
    if as_json:
        payload: dict[str, Any] = {"key": node.key.to_string(), "names": names}
        if name is not None:
            payload["metadata"] = name
            payload["points"] = [p.to_json() for p in points]
        output.print_json(payload)
        return
    out = output.console()
    if name is None:
        out.print(output.text(f"numeric metadata of {node.key}: {output.joined(names, '(none)')}"))
        out.print(output.text("show one with --metadata NAME", "dim"))
        return
    grid = output.table("materialized", "run", "partition", name, "data version", title=f"{node.key}: {name}")
    for point in points:
        output.add_row(
            grid,
            output.when(point.timestamp),
            output.short_id(point.run_id),
            point.partition or "",
            str(point.value),
            point.data_version or "-",
        )
    out.print(grid)


@click.command("diff")
@click.argument("key")
@click.argument("runs", nargs=-1, metavar="[RUN_A [RUN_B]]")
@location_options
@json_option
def diff_command(
    key: str, runs: tuple[str, ...], module: str | None, file: str | None, attribute: str | None, as_json: bool
) -> None:
    """Compare two materializations (default: the latest two): data version, metadata, inputs, rows, schema."""
    from headwater.cli.runs import find_run
    from headwater.errors import SelectionError
    from headwater.graph import AssetGraph
    from headwater.instance import Instance
    from headwater.state.diff import diff

    if len(runs) > 2:
        raise SelectionError(f"assets diff takes at most two runs, got {len(runs)}: `assets diff KEY [RUN_A [RUN_B]]`")
    node = AssetGraph.from_definitions(load(module, file, attribute)).node(key)
    with Instance.get() as instance:
        ids = [find_run(instance.storage, prefix).run_id for prefix in runs]
        found = diff(instance.storage, node.key, *ids)
    if as_json:
        output.print_json(found)
        return
    out = output.console()
    a, b = found["a"], found["b"]
    out.print(
        output.text(f"{found['key']}: run {output.short_id(a['run_id'])} -> run {output.short_id(b['run_id'])}", "bold")
    )
    lines = [
        (
            "data version",
            f"{a['data_version']} -> {b['data_version']}" if found["data_version_changed"] else "unchanged",
        ),
        (
            "code version",
            f"{a['code_version']} -> {b['code_version']}" if found["code_version_changed"] else "unchanged",
        ),
    ]
    if found["rows"] is not None:
        rows = found["rows"]
        lines.append(("rows", f"{rows['a']} -> {rows['b']} ({rows['delta']:+d})" if rows["delta"] is not None else "-"))
        schema = found["schema"]
        changes = [f"+{c} ({t})" for c, t in schema["added"].items()]
        changes += [f"-{c} ({t})" for c, t in schema["removed"].items()]
        changes += [f"{c}: {v['a']} -> {v['b']}" for c, v in schema["changed"].items()]
        lines.append(("schema", output.joined(changes, "unchanged")))
    lines.append(
        ("inputs", output.joined((f"{k}: {v['a']} -> {v['b']}" for k, v in found["inputs"].items()), "unchanged"))
    )
    out.print(output.key_value_lines(lines))
    if found["metadata"]:
        grid = output.table("metadata", "a", "b", "change", title="metadata")
        for row in found["metadata"]:
            change = f"{row['delta']:+g}" if "delta" in row else ("changed" if row["changed"] else "")
            if row.get("percent") is not None:
                change += f" ({row['percent']:+g}%)"
            output.add_row(grid, row["name"], str(row["a"]), str(row["b"]), change)
        out.print(grid)
