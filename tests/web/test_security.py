"""Access token, CSRF, Host checking, escaping, headers, the pages' HTML shells and the CLI command."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fastapi.testclient import TestClient

from headwater.cli.main import cli
from headwater.cli.web import is_loopback

from .conftest import Project, csrf, make_app


def test_token_is_required_on_every_request(project: Project) -> None:
    with TestClient(make_app(project, token="s3cret")) as client:
        denied = client.get("/api/runs")
        assert denied.status_code == 401
        assert denied.json()["error"].startswith("this Headwater server needs its access token")
        assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/runs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        page = client.get("/?token=s3cret")
        assert page.status_code == 200 and client.cookies["headwater_token"] == "s3cret"
        assert client.get("/api/runs").status_code == 200  # the cookie now carries it
        launched = client.post("/api/launch", json={"select": "nope"}, headers={"Authorization": "Bearer s3cret"})
        assert launched.status_code == 400  # a bearer token stands in for CSRF; the selection is checked


def test_non_loopback_without_token_is_read_only(project: Project) -> None:
    with TestClient(make_app(project, writes_need_token=True)) as client:
        client.get("/api/csrf")
        assert client.get("/api/assets").status_code == 200
        refused = client.post("/api/launch", json={"select": "orders"}, headers=csrf(client))
        assert refused.status_code == 403
        assert "read-only: restart it with --token" in refused.json()["error"]


def test_host_header_is_checked(project: Project) -> None:
    with TestClient(make_app(project, allowed_hosts=["127.0.0.1"]), base_url="http://127.0.0.1:3000") as client:
        assert client.get("/api/health").json()["status"] == "ok"
        rebound = client.get("/api/health", headers={"Host": "evil.example:3000"})
        assert rebound.status_code == 400
        assert rebound.json()["error"].startswith("unexpected Host header 'evil.example'")


def test_csrf_cookie_must_match_header(client: TestClient) -> None:
    wrong = client.post("/api/launch", json={"select": "orders"}, headers={"X-Headwater-CSRF": "forged"})
    assert wrong.status_code == 403 and "CSRF" in wrong.json()["error"]
    assert client.get("/api/launch").status_code == 405


def test_pages_are_escaped_shells_with_security_headers(client: TestClient) -> None:
    shells = [("/", "graph"), ("/assets", "assets"), ("/assets/mart/revenue", "asset"), ("/runs", "runs")]
    shells += [("/launch", "launch"), ("/backfills", "backfills"), ("/backfills/b1", "backfill")]
    for path, script in [*shells, ("/automation", "automation")]:
        page = client.get(path)
        assert page.status_code == 200 and f"/static/{script}.js" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
    hostile = client.get('/runs/"><img src=x onerror=alert(1)>')
    assert "<img" not in hostile.text
    assert 'data-run="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in hostile.text
    for name in ("common.js", "graph.js", "launch.js", "backfills.js", "backfill.js", "automation.js", "app.css"):
        assert client.get(f"/static/{name}").status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/graph", "/api/assets", "/api/runs/{run_id}/events", "/api/launch"} <= set(paths)
    assert {"/api/runs/{run_id}/events/stream", "/api/changes", "/api/launch/check", "/api/backfills"} <= set(paths)
    assert {"/api/automation", "/api/diff/{key}", "/api/runs/{run_id}/reexecute"} <= set(paths)
    assert "/" not in paths


def test_web_command_help_and_loopback() -> None:
    result = CliRunner().invoke(cli, ["web", "--help"])
    assert result.exit_code == 0 and "--token" in result.output and "127.0.0.1" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


TOO_LARGE = (
    "the request body is larger than the limit of 1048576 bytes: send a shorter selection, partition list, "
    "config or set of tags"
)


def test_a_request_body_over_one_mebibyte_is_refused(client: TestClient) -> None:
    huge = {"select": "orders or " + "x" * 2_000_000}
    declared = client.post("/api/launch/check", json=huge, headers=csrf(client))
    assert declared.status_code == 413
    assert declared.json() == {"error": TOO_LARGE}
    body = json.dumps(huge).encode()
    # Without a Content-Length (a chunked upload) the body is counted as it is read.
    chunked = client.post(
        "/api/launch/check",
        content=(body[i : i + 65536] for i in range(0, len(body), 65536)),
        headers={**csrf(client), "content-type": "application/json"},
    )
    assert "content-length" not in chunked.request.headers
    assert chunked.status_code == 413
    assert chunked.json() == {"error": TOO_LARGE}
    assert client.post("/api/launch/check", json={"select": "orders"}, headers=csrf(client)).status_code == 200


def test_a_long_selection_is_cut_in_the_error_with_the_caret_kept(client: TestClient) -> None:
    selection = "orders or " + "x" * 100_000 + " )"
    response = client.post("/api/launch/check", json={"select": selection}, headers=csrf(client))
    assert response.status_code == 400
    error = response.json()["error"]
    assert len(error) < 600
    head, shown, caret, hint = error.split("\n")
    assert head == "unexpected ')' at column 100012 in selection:"
    assert shown == "  …" + "x" * 198 + " )"
    assert caret.index("^") == shown.index(")")
    assert hint == "there is no '(' for this ')' to close"
