"""headwater users, tokens and audit: users with roles and scopes, personal tokens shown once and
hashed at rest, and every change in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from headwater.auth import Accounts
from headwater.cli.main import cli
from headwater.instance import Instance

from .helpers import flat, run


def _cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_users_add_list_set_role_and_remove(home: Path) -> None:
    assert _cli("users", "add", "ana", "--role", "admin", "--password-stdin", stdin="correct horse\n")[0] == 0
    code, out, _ = _cli("users", "add", "fin", "--role", "launcher", "--scope", "group:finance", "--no-password")
    assert code == 0 and "added user fin (launcher of group:finance)" in out
    listed = json.loads(run("users", "list", "--json", ok=True).stdout)
    assert [(u["name"], u["role"], u["scope"], u["password"]) for u in listed] == [
        ("ana", "admin", "", True),
        ("fin", "launcher", "group:finance", False),
    ]
    assert (
        "is now editor of finance/" in run("users", "set-role", "fin", "editor", "--scope", "finance/", ok=True).stdout
    )
    assert "removed user fin" in run("users", "remove", "fin", ok=True).stdout
    assert [u["name"] for u in json.loads(run("users", "list", "--json", ok=True).stdout)] == ["ana"]
    with Instance.get() as instance:
        assert Accounts(instance.storage).check_password("ana", "correct horse") is not None
        assert Accounts(instance.storage).check_password("ana", "wrong horse") is None
        stored = instance.storage.url.removeprefix("sqlite:///")
    engine = create_engine(f"sqlite:///{stored}")
    with engine.connect() as conn:
        hashed = conn.execute(text("SELECT password_hash FROM users WHERE name = 'ana'")).scalar_one()
    engine.dispose()
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed


def test_user_errors_say_what_and_how_to_fix(home: Path) -> None:
    code, _, err = _cli("users", "add", "bo", "--role", "lancher", "--no-password")
    assert code == 2
    assert flat(err) == (
        "error: user 'bo': unknown role 'lancher' (did you mean 'launcher'?): give one of viewer, launcher, "
        "editor, admin"
    )
    code, _, err = _cli("users", "add", "bo", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert code == 2 and "the password of user 'bo' is too short: give at least 8 characters" in flat(err)
    code, _, err = _cli("users", "add", "bad name", "--role", "viewer", "--no-password")
    assert code == 2 and flat(err) == (
        "error: user name 'bad name' is not allowed: use 1 to 64 letters, digits and . _ @ -, starting with a "
        "letter or digit"
    )
    code, _, err = _cli("users", "add", "bo", "--role", "viewer", "--scope", "team:x", "--no-password")
    assert code == 2 and "scope 'team:x' is neither group:NAME nor an asset key prefix" in flat(err)
    run("users", "add", "bob", "--role", "viewer", "--no-password", ok=True)
    code, _, err = _cli("users", "add", "bob", "--role", "viewer", "--no-password")
    assert code == 2 and "a user named 'bob' already exists" in flat(err)
    assert "pick another name, or change this one with `headwater users set-role bob ROLE`" in flat(err)
    code, _, err = _cli("users", "remove", "bobb")
    assert code == 2 and "no user named 'bobb'" in flat(err) and "(did you mean 'bob'?)" in flat(err)
    assert flat(err).endswith(": `headwater users list` shows them, `headwater users add NAME --role ROLE` adds one")
    code, _, err = _cli("tokens", "revoke", "0123456789abcdef")
    assert code == 2 and "no token with id '0123456789abcdef'" in flat(err)
    assert flat(err).endswith(": `headwater tokens list` shows the ids")


def test_a_token_is_shown_once_hashed_at_rest_and_revocable(home: Path) -> None:
    run("users", "add", "ci", "--role", "launcher", "--no-password", ok=True)
    code, out, err = _cli("tokens", "create", "ci", "--label", "nightly", "--expires-in", "7")
    assert code == 0 and "it is not shown again" in flat(err)
    secret = out.strip()
    assert secret.startswith("hw_")
    [row] = json.loads(run("tokens", "list", "--json", ok=True).stdout)
    assert row["user"] == "ci" and row["label"] == "nightly" and row["state"] == "active"
    assert secret not in json.dumps(row) and row["expires_at"] - row["created_at"] == 7 * 86400
    with Instance.get() as instance:
        accounts = Accounts(instance.storage)
        user = accounts.check_token(secret)
        assert user is not None and user.name == "ci"
        assert accounts.check_token(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
        assert (
            accounts.tokens()[0].secret_hash != secret
            and secret.split("_", 2)[2] not in accounts.tokens()[0].secret_hash
        )
        later = Accounts(instance.storage, clock=lambda: row["expires_at"] + 1)
        assert later.check_token(secret) is None  # expired
    assert f"revoked token {row['token_id']} of ci" in run("tokens", "revoke", row["token_id"], ok=True).stdout
    with Instance.get() as instance:
        assert Accounts(instance.storage).check_token(secret) is None
    code, _, err = _cli("tokens", "revoke", row["token_id"])
    assert code == 2 and "was revoked already" in flat(err)
    code, _, err = _cli("tokens", "create", "ci", "--expires-in", "0")
    assert code == 2 and "a token's expiry must be a positive number of days, got 0" in flat(err)


def test_audit_list_shows_user_and_token_changes(home: Path) -> None:
    run("users", "add", "ana", "--role", "viewer", "--no-password", ok=True)
    run("users", "set-role", "ana", "editor", ok=True)
    run("tokens", "create", "ana", "--no-expiry", ok=True)
    rows = json.loads(run("audit", "list", "--json", ok=True).stdout)
    assert [r["action"] for r in rows] == ["token_created", "role_set", "user_added"]
    assert all(r["actor"].startswith("cli") and r["target"] == "ana" for r in rows)
    assert rows[1]["details"] == {"before": "viewer", "after": "editor"}
    only = json.loads(run("audit", "list", "--json", "--action", "role_set", ok=True).stdout)
    assert [r["action"] for r in only] == ["role_set"]
    code, _, err = _cli("audit", "list", "--action", "lgin")
    assert code == 2 and "unknown audit action 'lgin' (did you mean 'login'?)" in flat(err)
