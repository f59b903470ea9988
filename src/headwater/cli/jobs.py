"""``headwater jobs``: the project's ``hw.Job``s with their selection, tags, asset count and latest
run; ``--json`` prints the rows of the web API's ``/api/jobs`` (``web.jobs``)."""

from __future__ import annotations

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options


@click.command("jobs")
@location_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def jobs_command(module: str | None, file: str | None, attribute: str | None, as_json: bool) -> None:
    """List jobs: selection, assets selected, tags and latest run. Run one with
    `headwater materialize --job NAME`."""
    from headwater.instance import Instance
    from headwater.web.jobs import jobs_json

    defs = load(module, file, attribute)
    with Instance.get() as instance:
        rows = jobs_json(instance, defs)
    if as_json:
        output.print_json(rows)
        return
    grid = output.table("job", "select", "assets", "tags", "latest run", "status", "when")
    for row in rows:
        run = row["latest_run"]
        output.add_row(
            grid,
            row["name"],
            row["select"],
            str(row["assets"]),
            output.joined((f"{k}={v}" for k, v in row["tags"].items()), ""),
            output.short_id(run["run_id"]) if run else "never",
            run["status"] if run else "",
            output.when(run["created_at"]) if run else "",
        )
    console = output.console()
    console.print(grid)
    if not rows:
        console.print(
            output.text('no jobs in these definitions: add Definitions(jobs=[hw.Job("name", select=...)])', "dim")
        )
