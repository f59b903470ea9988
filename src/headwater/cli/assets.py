"""``headwater assets list|show|lineage``: the catalog of a project's assets with their last materializations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from headwater.cli import output
from headwater.cli.columns import columns_command
from headwater.cli.loading import load, location_options

if TYPE_CHECKING:
    from headwater.graph import AssetGraph
    from headwater.keys import AssetKey

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@click.group("assets")
def assets_group() -> None:
    """Browse assets: list them, show one, or print its lineage."""


def _graph(module: str | None, file: str | None, attribute: str | None) -> AssetGraph:
    from headwater.graph import AssetGraph

    return AssetGraph.from_definitions(load(module, file, attribute))


@assets_group.command("list")
@location_options
@click.option("--select", "selection", metavar="SEL", help="Only assets in this selection.")
@json_option
def list_command(
    module: str | None, file: str | None, attribute: str | None, selection: str | None, as_json: bool
) -> None:
    """List assets with group, kinds, owners, upstream count and last materialization.

    ``--json`` prints the rows of the web API's ``/api/assets`` (with state and check counts).
    """
    from headwater.instance import Instance
    from headwater.web.catalog import catalog_rows
    from headwater.web.states import AssetStates

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        graph = instance.graph_for(defs)
        keys = graph.sort(instance.select(defs, selection))
        rows = catalog_rows(AssetStates(instance.storage, graph), keys, every=selection is None)
    if as_json:
        output.print_json(rows)
        return
    grid = output.table("key", "group", "kinds", "owners", "upstream", "last materialized", "run")
    for row in rows:
        output.add_row(
            grid,
            row["key"],
            row["group"],
            output.joined(row["kinds"], ""),
            output.joined(row["owners"], ""),
            str(row["upstream"]),
            output.when(row["last_materialized"]) if row["last_materialized"] else "never",
            output.short_id(row["run_id"]),
        )
    out = output.console()
    out.print(grid)
    out.print(output.text(f"{len(rows)} of {len(graph)} assets"))


@assets_group.command("show")
@click.argument("key")
@location_options
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=0), help="Materializations to show.")
@json_option
def show_command(
    key: str, module: str | None, file: str | None, attribute: str | None, limit: int, as_json: bool
) -> None:
    """Show one asset: description, attributes, lineage neighbours, checks and last materializations."""
    from headwater.events import AssetMaterialized
    from headwater.instance import Instance

    graph = _graph(module, file, attribute)
    node = graph.node(key)
    spec = node.spec
    with Instance.get() as instance:
        records = instance.storage.asset_events(node.key, limit=limit) if limit else []
    info: dict[str, Any] = {
        "key": node.key.to_string(),
        "description": spec.description,
        "group": spec.group,
        "kinds": sorted(spec.kinds),
        "tags": dict(spec.tags),
        "owners": list(spec.owners),
        "code_version": spec.code_version,
        "source": spec.is_source,
        "io_manager": spec.io_manager,
        "parents": sorted(k.to_string() for k in node.parents),
        "children": sorted(k.to_string() for k in node.children),
        "checks": [c.name for c in graph.checks.get(node.key, ())],
        "materializations": [
            {
                "run_id": r.event.run_id,
                "timestamp": r.event.timestamp,
                "partition": r.event.partition,
                "metadata": dict(made.metadata),
                "code_version": made.code_version,
            }
            for r in records
            for made in [AssetMaterialized.from_data(r.event.data)]
        ],
    }
    if as_json:
        output.print_json(info)
        return
    out = output.console()
    out.print(output.text(info["key"], "bold"))
    if spec.description:
        out.print(output.text(spec.description))
    out.print(
        output.key_value_lines(
            [
                ("group", spec.group),
                ("kinds", output.joined(info["kinds"])),
                ("tags", output.joined(f"{k}={v}" for k, v in spec.tags.items())),
                ("owners", output.joined(spec.owners)),
                ("code version", spec.code_version or "-"),
                ("io manager", spec.io_manager),
                ("source asset", "yes" if spec.is_source else "no"),
                ("parents", output.joined(info["parents"])),
                ("children", output.joined(info["children"])),
                ("checks", output.joined(info["checks"])),
            ]
        )
    )
    if not records:
        out.print(output.text("never materialized", "dim"))
        return
    grid = output.table("materialized", "run", "partition", "metadata", title="last materializations")
    for item in info["materializations"]:
        output.add_row(
            grid,
            output.when(item["timestamp"]),
            output.short_id(item["run_id"]),
            item["partition"] or "",
            output.short_metadata(item["metadata"], limit=100),
        )
    out.print(grid)


def levels(start: AssetKey, step: Callable[[AssetKey], frozenset[AssetKey]], depth: int | None) -> list[list[AssetKey]]:
    """Keys by distance from ``start`` (each at its shortest distance), breadth first, without recursion."""
    seen = {start}
    frontier = [start]
    out: list[list[AssetKey]] = []
    while frontier and (depth is None or len(out) < depth):
        nxt = sorted({k for key in frontier for k in step(key) if k not in seen})
        if not nxt:
            break
        seen.update(nxt)
        out.append(nxt)
        frontier = nxt
    return out


@assets_group.command("lineage")
@click.argument("key")
@location_options
@click.option("--up", type=click.IntRange(min=0), metavar="N", help="Upstream levels to show (default: all).")
@click.option("--down", type=click.IntRange(min=0), metavar="N", help="Downstream levels to show (default: all).")
@json_option
def lineage_command(
    key: str,
    module: str | None,
    file: str | None,
    attribute: str | None,
    up: int | None,
    down: int | None,
    as_json: bool,
) -> None:
    """Print an asset's upstream and downstream assets, level by level."""
    graph = _graph(module, file, attribute)
    node = graph.node(key)
    upstream = levels(node.key, lambda k: graph.nodes[k].parents, up)
    downstream = levels(node.key, lambda k: graph.nodes[k].children, down)
    if as_json:
        output.print_json(
            {
                "key": node.key.to_string(),
                "upstream": [[k.to_string() for k in level] for level in upstream],
                "downstream": [[k.to_string() for k in level] for level in downstream],
            }
        )
        return
    from rich.tree import Tree

    tree = Tree(output.text(node.key.to_string(), "bold"))
    for label, found in (("upstream", upstream), ("downstream", downstream)):
        branch = tree.add(output.text(f"{label} ({sum(len(level) for level in found)} assets)", "bold"))
        if not found:
            branch.add(output.text("(none)", "dim"))
        for number, level in enumerate(found, start=1):
            branch.add(output.text(f"{label} level {number}: {output.joined(level)}"))
    output.console().print(tree)


assets_group.add_command(columns_command)
