"""``headwater assets columns KEY [--column C]``: an asset's columns and where each comes from and goes.

Thin: the answer is ``headwater.state.columns.column_lineage`` over the event log.
"""

from __future__ import annotations

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options


def _refs(refs: list[dict[str, object]]) -> str:
    return output.joined(f"{r['asset']}.{r['column']}" + (f" ({r['type']})" if r["type"] else "") for r in refs)


@click.command("columns")
@click.argument("key")
@location_options
@click.option("--column", "column", metavar="C", help="Only this column.")
@click.option("--depth", type=click.IntRange(min=1), metavar="N", help="Levels to follow each way (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def columns_command(
    key: str,
    module: str | None,
    file: str | None,
    attribute: str | None,
    column: str | None,
    depth: int | None,
    as_json: bool,
) -> None:
    """Column-level lineage: each column of KEY with the same-named columns upstream and downstream.

    Columns come from the schema recorded with each asset's latest materialization (DataFrames,
    lists of dicts, Parquet and DuckDB tables).
    """
    from headwater.instance import Instance
    from headwater.state.columns import column_lineage

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        found = column_lineage(instance, defs, key, column, depth=depth).to_json()
    if as_json:
        output.print_json(found)
        return
    out = output.console()
    if not found["schema_recorded"]:
        out.print(
            output.text(
                f"{found['key']} has no recorded columns: materialize it with a DataFrame or list-of-dicts value "
                f"(`headwater materialize --select {found['key']}`)"
            )
        )
        return
    source = f"run {output.short_id(found['run_id'])}" if found["run_id"] else "declared"
    grid = output.table("column", "type", "upstream", "downstream", title=f"{found['key']} ({source})")
    for entry in found["columns"]:
        output.add_row(grid, entry["name"], entry["type"], _refs(entry["upstream"]), _refs(entry["downstream"]))
    out.print(grid)
    if found["without_schema"]:
        out.print(output.text(f"no recorded columns, not linked: {', '.join(found['without_schema'])}", "dim"))
