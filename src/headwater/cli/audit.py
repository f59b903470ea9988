"""``headwater audit list``: the audit log (who launched, canceled, switched, signed in, changed users),
newest first; ``--json`` prints the rows of ``/api/audit``."""

from __future__ import annotations

import click

from headwater.cli import output


@click.group("audit")
def audit_group() -> None:
    """The audit log of state-changing actions."""


@audit_group.command("list")
@click.option("--user", "actor", default=None, help="Only what this user did.")
@click.option("--action", default=None, help="Only this action (launch, login_failed, switch, ...).")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1), help="How many entries.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def list_command(actor: str | None, action: str | None, limit: int, as_json: bool) -> None:
    """List audit entries: time, user, action, source address, target and what changed."""
    from headwater.auth.audit import entries, parse_action
    from headwater.instance import Instance

    wanted = parse_action(action) if action else None
    with Instance.get() as instance:
        rows = [r.to_json() for r in entries(instance.storage, actor=actor, action=wanted, limit=limit)]
    if as_json:
        output.print_json(rows)
        return
    grid = output.table("when", "user", "action", "from", "target", "details")
    for row in rows:
        output.add_row(
            grid,
            output.when(row["timestamp"]),
            row["actor"],
            row["action"],
            row["source"] or "",
            row["target"] or "",
            output.short_metadata(row["details"]),
        )
    out = output.console()
    out.print(grid)
    if not rows:
        out.print(output.text("no audit entries match", "dim"))
