"""``headwater migrate``: upgrade the event log's schema to the version this Headwater needs."""

from __future__ import annotations

import click

from headwater.cli import output


@click.command("migrate")
def migrate_command() -> None:
    """Upgrade the event log schema (back up the database first) and print the versions."""
    from headwater.instance import Instance

    with Instance.get(migrate=True) as instance:
        storage = instance.storage
        applied = storage.migrate()
        after = storage.schema_version()
        url = storage.url
    before = after - len(applied)
    out = output.console()
    out.print(output.text(f"event log: {url}"))
    out.print(output.text(f"schema version before: {before}"))
    for description in applied:
        out.print(output.text(f"  applied: {description}", "green"))
    out.print(output.text(f"schema version after: {after}"))
    if not applied:
        out.print(output.text("the schema is up to date: no migrations applied"))
    else:
        out.print(output.text(f"{len(applied)} migration(s) applied", "green"))
