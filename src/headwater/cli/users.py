"""``headwater users add|list|remove|set-role|set-password``: the users of the web UI and their roles.

Run on the server, next to the event log: whoever can run these can read the database anyway. Every
change is written to the audit log as done by ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

import click

from headwater.cli import output

ROLES = ("viewer", "launcher", "editor", "admin")


def cli_actor() -> str:
    """How the audit log names a command run on the server."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _password(password_stdin: bool, no_password: bool, name: str) -> str | None:
    if no_password:
        return None
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    return value


@click.group("users")
def users_group() -> None:
    """Users of the web UI: viewer < launcher < editor < admin, optionally scoped to group:NAME or a key prefix.

    With no users, a server on 127.0.0.1 asks for no login; once one exists, everyone signs in.
    """


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="viewer, launcher, editor or admin.")
@click.option("--scope", default="", help="Limit launches to group:NAME or a key prefix such as finance/.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--no-password", is_flag=True, help="No password: the user signs in through a proxy or a token.")
def add_command(name: str, role: str, scope: str, password_stdin: bool, no_password: bool) -> None:
    """Add a user (asks for the password unless --password-stdin or --no-password)."""
    from headwater.auth import Accounts
    from headwater.auth.audit import record
    from headwater.events import AuditAction
    from headwater.instance import Instance

    with Instance.get() as instance:
        accounts = Accounts(instance.storage)
        user = accounts.add_user(name, role=role, scope=scope, password=_password(password_stdin, no_password, name))
        details = {"role": user.grant.role.value, "scope": user.grant.scope.to_string()}
        record(instance.storage, cli_actor(), AuditAction.USER_ADDED, target=name, details=details)
    output.console().print(output.text(f"added user {name} ({user.grant.describe()})", "green"))


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def list_command(as_json: bool) -> None:
    """List users with their role, scope and whether they have a password."""
    from headwater.auth import Accounts
    from headwater.instance import Instance

    with Instance.get() as instance:
        users = Accounts(instance.storage).all()
    rows: list[dict[str, Any]] = [
        {
            "name": u.name,
            "role": u.grant.role.value,
            "scope": u.grant.scope.to_string(),
            "password": u.has_password,
            "created_at": u.created_at,
        }
        for u in users
    ]
    if as_json:
        output.print_json(rows)
        return
    grid = output.table("user", "role", "scope", "password", "added")
    for row in rows:
        output.add_row(
            grid,
            row["name"],
            row["role"],
            row["scope"] or "everything",
            "yes" if row["password"] else "no",
            output.when(row["created_at"]),
        )
    out = output.console()
    out.print(grid)
    if not rows:
        out.print(
            output.text("no users: a server on 127.0.0.1 asks for no login (add one with `headwater users add`)", "dim")
        )


@users_group.command("remove")
@click.argument("name")
def remove_command(name: str) -> None:
    """Remove a user and revoke their tokens."""
    from headwater.auth import Accounts
    from headwater.auth.audit import record
    from headwater.events import AuditAction
    from headwater.instance import Instance

    with Instance.get() as instance:
        Accounts(instance.storage).remove(name)
        record(instance.storage, cli_actor(), AuditAction.USER_REMOVED, target=name)
    output.console().print(output.text(f"removed user {name}", "green"))


@users_group.command("set-role")
@click.argument("name")
@click.argument("role")
@click.option("--scope", default=None, help="New scope: group:NAME, a key prefix, or '' for everything.")
def set_role_command(name: str, role: str, scope: str | None) -> None:
    """Change a user's role (and scope)."""
    from headwater.auth import Accounts
    from headwater.auth.audit import record
    from headwater.events import AuditAction
    from headwater.instance import Instance

    with Instance.get() as instance:
        accounts = Accounts(instance.storage)
        before = accounts.require(name).grant.describe()
        user = accounts.set_role(name, role, scope=scope)
        details = {"before": before, "after": user.grant.describe()}
        record(instance.storage, cli_actor(), AuditAction.ROLE_SET, target=name, details=details)
    output.console().print(output.text(f"user {name} is now {user.grant.describe()}", "green"))


@users_group.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def set_password_command(name: str, password_stdin: bool) -> None:
    """Replace a user's password."""
    from headwater.auth import Accounts
    from headwater.auth.audit import record
    from headwater.events import AuditAction
    from headwater.instance import Instance

    with Instance.get() as instance:
        accounts = Accounts(instance.storage)
        accounts.require(name)
        password = _password(password_stdin, False, name)
        assert password is not None  # only --no-password gives None
        accounts.set_password(name, password)
        record(instance.storage, cli_actor(), AuditAction.PASSWORD_SET, target=name)
    output.console().print(output.text(f"password of {name} changed", "green"))
