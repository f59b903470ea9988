"""``headwater partitions add|remove|list|status``: dynamic partition keys and partition status."""

from __future__ import annotations

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@click.group("partitions")
def partitions_group() -> None:
    """Dynamic partitions and the status of an asset's partitions."""


@partitions_group.command("add")
@click.argument("name")
@click.argument("keys", nargs=-1, required=True)
@location_options
def add_command(name: str, keys: tuple[str, ...], module: str | None, file: str | None, attribute: str | None) -> None:
    """Add KEYS to the dynamic partitions NAME (hw.DynamicPartitions("NAME")).

    NAME is checked against the definitions (-m/-f or [tool.headwater]); without loadable
    definitions the keys are added after a warning.
    """
    from headwater.instance import Instance

    _check_declared(name, module, file, attribute)
    with Instance.get() as instance:
        added = instance.add_dynamic_partitions(name, list(keys))
    output.console().print(
        output.text(f"added {len(added)} key(s) to '{name}'" + (f": {', '.join(added)}" if added else ""))
    )


def _check_declared(name: str, module: str | None, file: str | None, attribute: str | None) -> None:
    from headwater.definitions.partitions import DynamicPartitions, MultiPartitions
    from headwater.errors import DefinitionError, did_you_mean

    try:
        defs = load(module, file, attribute)
    except DefinitionError as exc:
        # Adding keys needs only the event log, so a project that does not load must not block it.
        output.console(stderr=True).print(
            output.text(f"warning: cannot check that '{name}' is declared ({exc}); adding the keys anyway", "yellow")
        )
        return
    declared: set[str] = set()
    for spec in defs.asset_specs:
        found = spec.partitions
        parts = [d for _, d in found.dimensions] if isinstance(found, MultiPartitions) else [found] if found else []
        declared.update(p.name for p in parts if isinstance(p, DynamicPartitions))
    if name not in declared:
        where = defs.location.describe() if defs.location is not None else "the definitions"
        raise click.UsageError(
            f"no asset of {where} has hw.DynamicPartitions('{name}'){did_you_mean(name, declared)}; declared "
            f"dynamic partitions: {', '.join(sorted(declared)) or '(none)'}; fix NAME, or declare it on an asset first"
        )


@partitions_group.command("remove")
@click.argument("name")
@click.argument("keys", nargs=-1, required=True)
def remove_command(name: str, keys: tuple[str, ...]) -> None:
    """Remove KEYS from the dynamic partitions NAME (their stored values are kept)."""
    from headwater.instance import Instance

    with Instance.get() as instance:
        removed = instance.delete_dynamic_partitions(name, list(keys))
    output.console().print(output.text(f"removed {len(removed)} key(s) from '{name}'"))


@partitions_group.command("list")
@click.argument("name")
@json_option
def list_command(name: str, as_json: bool) -> None:
    """List the keys of the dynamic partitions NAME, in the order they were added."""
    from headwater.instance import Instance

    with Instance.get() as instance:
        keys = instance.storage.dynamic_partitions(name).get(name, [])
    if as_json:
        output.print_json({"name": name, "keys": keys})
        return
    for key in keys:
        click.echo(key)


@partitions_group.command("status")
@click.argument("key")
@location_options
@json_option
def status_command(key: str, module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    """Materialized, failed, missing and in-progress partitions of asset KEY, as ranges."""
    from headwater.graph import AssetGraph
    from headwater.instance import Instance
    from headwater.state.partition_status import key_context, partition_status

    defs = load(module, file, attribute)
    graph = AssetGraph.from_definitions(defs)
    with Instance.get() as instance:
        status = partition_status(instance.storage, graph, key, key_context(instance.storage, graph))
    if as_json:
        output.print_json(status.to_json())
        return
    out = output.console()
    counts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in status.counts.items() if n)
    out.print(output.text(f"{status.asset_key}: {status.total} partitions ({status.partitions}): {counts}"))
    grid = output.table("status", "from", "to", "count")
    for span in status.ranges:
        grid.add_row(
            output.text(span.status, output.STATUS_STYLES.get(span.status, "")), span.start, span.end, str(span.count)
        )
    out.print(grid)
