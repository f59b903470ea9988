"""Users in the web app: sign-in, sessions, CSRF with sessions, brute force, API tokens, roles (403)
and the audit log of what was done."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from headwater.auth import Accounts
from headwater.auth.audit import entries
from headwater.events import AuditAction
from headwater.tags import USER

from .conftest import PASSWORD, Project, add_role_users, make_app


@pytest.fixture
def users(project: Project) -> Project:
    """The example project with one user of each role, and a launcher scoped to group:mart."""
    return add_role_users(project)


@pytest.fixture
def app_client(users: Project) -> Iterator[TestClient]:
    with TestClient(make_app(users), client=("10.1.2.3", 5000)) as client:
        yield client


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in; returns the CSRF header of the new session."""
    client.get("/api/csrf")
    answer = client.post("/api/login", json={"name": name, "password": password}, headers=_csrf(client))
    assert answer.status_code == 200, answer.text
    return _csrf(client)


def _with_session(client: TestClient, cookie: str) -> TestClient:
    other = TestClient(client.app)
    other.cookies.set("headwater_session", cookie, domain="testserver.local")
    return other


def _csrf(client: TestClient) -> dict[str, str]:
    return {"X-Headwater-CSRF": client.cookies.get("headwater_csrf", "")}


def test_with_users_everyone_signs_in(app_client: TestClient) -> None:
    page = app_client.get("/runs?x=1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fruns%3Fx%3D1"
    refused = app_client.get("/api/runs")
    assert refused.status_code == 401
    assert refused.json()["error"] == (
        "sign in first: open /login in the browser, or send 'Authorization: Bearer <token>' with a token "
        "from `headwater tokens create USER`"
    )
    assert app_client.get("/login").status_code == 200 and "/static/login.js" in app_client.get("/login").text
    assert app_client.get("/api/me").json()["user"] is None and app_client.get("/api/me").json()["login_required"]
    sign_in(app_client, "viewer")
    me = app_client.get("/api/me").json()
    assert me["user"] == "viewer" and me["role"] == "viewer" and me["permissions"] == []
    assert app_client.get("/api/runs").status_code == 200


def test_a_wrong_password_is_refused_and_the_session_cookie_is_safe(app_client: TestClient) -> None:
    app_client.get("/api/csrf")
    wrong = app_client.post("/api/login", json={"name": "admin", "password": "nope"}, headers=_csrf(app_client))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == (
        "wrong user name or password: check both (an admin can reset it with `headwater users set-password`)"
    )
    answer = app_client.post("/api/login", json={"name": "admin", "password": PASSWORD}, headers=_csrf(app_client))
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("headwater_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    held = app_client.cookies["headwater_session"]
    forged = held[:-1] + ("1" if held.endswith("0") else "0")  # the same id with another signature
    assert _with_session(app_client, forged).get("/api/runs").status_code == 401


def test_signing_in_makes_a_new_session_so_a_planted_one_is_useless(app_client: TestClient, users: Project) -> None:
    # An attacker signs in, then plants their own session id in the victim's browser: signing in as
    # the victim must replace it, and the attacker's id keeps naming the attacker only.
    attacker = TestClient(app_client.app)
    sign_in(attacker, "viewer")
    planted = attacker.cookies["headwater_session"]
    app_client.cookies.set("headwater_session", planted, domain="testserver.local")
    sign_in(app_client, "admin")
    assert app_client.cookies["headwater_session"] != planted
    assert app_client.get("/api/me").json()["user"] == "admin"
    assert attacker.get("/api/me").json()["user"] is None  # the planted session was ended at the victim's sign-in
    # Logging out ends the session on the server, not only in the browser.
    held = app_client.cookies["headwater_session"]
    assert app_client.post("/api/logout", headers=_csrf(app_client)).status_code == 200
    assert _with_session(app_client, held).get("/api/runs").status_code == 401


def test_a_signed_in_post_needs_its_sessions_own_csrf_token(app_client: TestClient) -> None:
    other = TestClient(app_client.app)
    other_csrf = sign_in(other, "admin")
    headers = sign_in(app_client, "admin")
    assert headers != other_csrf
    check = {"select": "orders"}
    assert app_client.post("/api/launch/check", json=check, headers=headers).status_code == 200
    # A double-submit pair the attacker chose (cookie and header alike) is not this session's token.
    app_client.cookies.set("headwater_csrf", "chosen", domain="testserver.local")
    forged = app_client.post("/api/launch/check", json=check, headers={"X-Headwater-CSRF": "chosen"})
    assert forged.status_code == 403 and "CSRF" in forged.json()["error"]
    assert app_client.post("/api/launch/check", json=check, headers=other_csrf).status_code == 403
    assert app_client.post("/api/launch/check", json=check).status_code == 403


def test_failed_sign_ins_are_rate_limited(app_client: TestClient, users: Project) -> None:
    app_client.get("/api/csrf")
    for _ in range(5):
        bad = app_client.post("/api/login", json={"name": "editor", "password": "guess"}, headers=_csrf(app_client))
        assert bad.status_code == 401
    locked = app_client.post("/api/login", json={"name": "editor", "password": PASSWORD}, headers=_csrf(app_client))
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert locked.json()["error"] == (
        "too many failed sign-ins for 'editor' or from 10.1.2.3: wait 15 minute(s) and try again, or ask an admin "
        "to set a new password (`headwater users set-password editor`)"
    )
    with users.instance() as instance:
        failures = entries(instance.storage, action=AuditAction.LOGIN_FAILED)
    assert len(failures) == 6 and {f.entry.source for f in failures} == {"10.1.2.3"}
    assert failures[0].entry.details == {"reason": "rate limited"}


def test_each_role_is_refused_what_it_cannot_do(app_client: TestClient, users: Project) -> None:
    headers = sign_in(app_client, "viewer")
    refused = app_client.post("/api/launch", json={"select": "orders"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "user 'viewer' (viewer) may not launch runs: that needs the launcher role; ask an admin to run "
        "`headwater users set-role viewer launcher`"
    )
    headers = sign_in(app_client, "launcher")
    launched = app_client.post("/api/launch", json={"select": "orders"}, headers=headers)
    assert launched.status_code == 202
    run_id = launched.json()["run_id"]
    switch = app_client.post("/api/automation/instigators/asset_automation", json={"enabled": True}, headers=headers)
    assert (
        switch.status_code == 403 and "may not switch schedules and sensors: that needs the editor role" in switch.text
    )
    audit = app_client.get("/api/audit")
    assert audit.status_code == 403
    assert audit.json()["error"] == (
        "user 'launcher' (launcher) may not read the audit log: that needs the admin role; ask an admin to run "
        "`headwater users set-role launcher admin`"
    )
    with users.instance() as instance:
        run = instance.storage.get_run(run_id)
        assert run is not None and run.tags[USER] == "launcher"
        [launch] = entries(instance.storage, action=AuditAction.LAUNCH)
        refusals = entries(instance.storage, action=AuditAction.REFUSED)
    assert launch.entry.actor == "launcher" and launch.entry.target == run_id
    assert launch.entry.details["select"] == "orders" and launch.entry.source == "10.1.2.3"
    assert [(r.entry.actor, r.entry.details["wanted"]) for r in refusals] == [
        ("launcher", "switch"),
        ("viewer", "launch"),
    ]


def test_a_launcher_cancels_only_its_own_runs_and_an_editor_any(app_client: TestClient) -> None:
    editor = TestClient(app_client.app, client=("10.1.2.4", 5000))
    editor_headers = sign_in(editor, "editor")
    theirs = editor.post("/api/launch", json={"select": "orders"}, headers=editor_headers).json()["run_id"]
    headers = sign_in(app_client, "launcher")
    mine = app_client.post("/api/launch", json={"select": "orders"}, headers=headers).json()["run_id"]
    refused = app_client.post(f"/api/runs/{theirs}/cancel", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "user 'launcher' (launcher) may cancel only what they launched and it was launched by editor: "
        "cancelling it needs the editor role"
    )
    assert app_client.post(f"/api/runs/{mine}/cancel", headers=headers).status_code != 403
    assert editor.post(f"/api/runs/{mine}/cancel", headers=editor_headers).status_code != 403


def test_a_scoped_launcher_launches_only_its_assets(app_client: TestClient) -> None:
    headers = sign_in(app_client, "mart")
    assert app_client.post("/api/launch", json={"select": "revenue"}, headers=headers).status_code == 202
    refused = app_client.post("/api/launch", json={"select": "orders revenue"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "user 'mart' (launcher of group:mart) may not launch orders: outside group:mart; narrow the selection "
        "to assets in it"
    )


def test_a_personal_token_is_a_bearer_and_stops_at_revocation(app_client: TestClient, users: Project) -> None:
    with users.instance() as instance:
        issued = Accounts(instance.storage).create_token("launcher", label="ci")
    bearer = {"Authorization": f"Bearer {issued.secret}"}
    assert app_client.get("/api/me", headers=bearer).json()["via"] == "token"
    assert app_client.post("/api/launch", json={"select": "orders"}, headers=bearer).status_code == 202  # no CSRF
    wrong = app_client.get("/api/runs", headers={"Authorization": f"Bearer {issued.secret[:-2]}xx"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == (
        "the API token is unknown, wrong, expired or revoked: create a new one with `headwater tokens create USER` "
        "and send it as 'Authorization: Bearer hw_...'"
    )
    with users.instance() as instance:
        Accounts(instance.storage).revoke_token(issued.row.token_id)
    assert app_client.get("/api/runs", headers=bearer).status_code == 401


def test_the_admin_reads_the_audit_log_filtered(app_client: TestClient) -> None:
    sign_in(app_client, "launcher")
    sign_in(app_client, "admin")
    everything = app_client.get("/api/audit").json()["entries"]
    assert [(e["actor"], e["action"]) for e in everything[:2]] == [("admin", "login"), ("launcher", "login")]
    only = app_client.get("/api/audit", params={"user": "launcher", "action": "login"}).json()["entries"]
    assert [e["actor"] for e in only] == ["launcher"]
    bad = app_client.get("/api/audit", params={"action": "lgoin"})
    assert bad.status_code == 400 and "unknown audit action 'lgoin' (did you mean 'login'?" in bad.json()["error"]
    assert app_client.get("/audit").status_code == 200 and "/static/audit.js" in app_client.get("/audit").text


def test_without_users_nothing_changes_but_actions_are_audited(project: Project) -> None:
    with TestClient(make_app(project)) as client:
        client.get("/api/csrf")
        me = client.get("/api/me").json()
        assert me["user"] == "local" and not me["login_required"] and "launch" in me["permissions"]
        headers = _csrf(client)
        assert client.post("/api/launch", json={"select": "orders"}, headers=headers).status_code == 202
    with project.instance() as instance:
        [launch] = entries(instance.storage)
    assert launch.entry.actor == "local" and launch.entry.action is AuditAction.LAUNCH


def test_an_editors_switch_is_audited_and_a_launchers_refused(app_client: TestClient, users: Project) -> None:
    refused = app_client.post(
        "/api/automation/instigators/asset_automation", json={"enabled": False}, headers=sign_in(app_client, "launcher")
    )
    assert refused.status_code == 403
    switched = app_client.post(
        "/api/automation/instigators/asset_automation", json={"enabled": False}, headers=sign_in(app_client, "editor")
    )
    assert switched.status_code == 200, switched.text
    with users.instance() as instance:
        [entry] = entries(instance.storage, action=AuditAction.SWITCH, limit=10)
        [refusal] = entries(instance.storage, action=AuditAction.REFUSED, limit=10)
    assert (entry.entry.actor, entry.entry.target, entry.entry.details["enabled"]) == (
        "editor",
        "asset_automation",
        False,
    )
    assert (refusal.entry.actor, refusal.entry.details["wanted"]) == ("launcher", "switch")
