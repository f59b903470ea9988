"""``headwater tokens create|list|revoke``: personal API tokens for scripts, sent as
``Authorization: Bearer hw_...``. A token is printed once; only a hash of it is stored."""

from __future__ import annotations

import time
from typing import Any

import click

from headwater.cli import output
from headwater.cli.users import cli_actor


@click.group("tokens")
def tokens_group() -> None:
    """Personal API tokens: a script acts as the user with the user's role."""


@tokens_group.command("create")
@click.argument("user")
@click.option("--label", default="", help="What the token is for (shown by `tokens list`).")
@click.option("--expires-in", "days", type=float, default=90, show_default=True, help="Days until it expires.")
@click.option("--no-expiry", is_flag=True, help="A token that never expires (revoke it when done).")
def create_command(user: str, label: str, days: float, no_expiry: bool) -> None:
    """Create a token for USER and print it (the only time it is shown)."""
    from headwater.auth import Accounts
    from headwater.auth.audit import record
    from headwater.events import AuditAction
    from headwater.instance import Instance

    with Instance.get() as instance:
        issued = Accounts(instance.storage).create_token(user, label=label, expires_in_days=None if no_expiry else days)
        row = issued.row
        details = {"token_id": row.token_id, "label": label, "expires_at": row.expires_at}
        record(instance.storage, cli_actor(), AuditAction.TOKEN_CREATED, target=user, details=details)
    click.echo(issued.secret)
    expiry = output.when(row.expires_at) if row.expires_at is not None else "never"
    output.console(stderr=True).print(
        output.text(f"token {row.token_id} of {user}, expires {expiry}: copy it now, it is not shown again", "dim")
    )


@tokens_group.command("list")
@click.option("--user", default=None, help="Only this user's tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def list_command(user: str | None, as_json: bool) -> None:
    """List tokens (never their secrets): id, user, label, expiry and state."""
    from headwater.auth import Accounts
    from headwater.auth.accounts import token_state
    from headwater.instance import Instance

    now = time.time()
    with Instance.get() as instance:
        accounts = Accounts(instance.storage)
        if user is not None:
            accounts.require(user)
        tokens = accounts.tokens(user)
    rows: list[dict[str, Any]] = [
        {
            "token_id": t.token_id,
            "user": t.user_name,
            "label": t.label,
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "state": token_state(t, now),
        }
        for t in tokens
    ]
    if as_json:
        output.print_json(rows)
        return
    grid = output.table("id", "user", "label", "created", "expires", "state")
    for row in rows:
        expires = output.when(row["expires_at"]) if row["expires_at"] is not None else "never"
        output.add_row(
            grid, row["token_id"], row["user"], row["label"], output.when(row["created_at"]), expires, row["state"]
        )
    output.console().print(grid)


@tokens_group.command("revoke")
@click.argument("token_id")
def revoke_command(token_id: str) -> None:
    """Revoke a token by its id (or the whole token): it stops working at once."""
    from headwater.auth import Accounts
    from headwater.auth.audit import record
    from headwater.events import AuditAction
    from headwater.instance import Instance

    with Instance.get() as instance:
        row = Accounts(instance.storage).revoke_token(token_id)
        details = {"token_id": row.token_id}
        record(instance.storage, cli_actor(), AuditAction.TOKEN_REVOKED, target=row.user_name, details=details)
    output.console().print(output.text(f"revoked token {row.token_id} of {row.user_name}", "green"))
