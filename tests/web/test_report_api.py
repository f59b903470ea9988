"""Push reports: ``POST /api/assets/KEY/report`` and ``headwater report --url`` record a
materialization made elsewhere in the server's event log, guarded by role (a token's user is
recorded and audited), and wake the daemon so it reacts before its next tick."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from headwater.auth import Accounts
from headwater.auth.audit import entries
from headwater.automation.config import AutomationConfig, DaemonConfig
from headwater.automation.daemon import Daemon
from headwater.cli.main import cli
from headwater.events import AssetMaterialized, AuditAction, EventType, RunStatus
from headwater.keys import AssetKey
from headwater.loader import load_definitions
from headwater.storage.run_queue import RunQueueStore
from headwater.tags import KIND, USER

from .conftest import Project, csrf, make_app, write_project
from .test_browser import serving

PUSHED = """
import headwater as hw


@hw.asset(group="raw")
def landed() -> int:
    return 1


@hw.asset(group="mart", automation=hw.eager())
def summary(landed: int) -> int:
    return landed + 1


days = hw.DailyPartitions(start="2026-01-01", end="2026-01-10")


@hw.asset(group="raw", partitions=days)
def daily() -> int:
    return 1


defs = hw.Definitions(assets=[landed, summary, daily])
"""


@pytest.fixture
def pushed(tmp_path: Path) -> Project:
    return write_project(tmp_path, PUSHED)


def _materialization(project: Project, key: str) -> AssetMaterialized | None:
    with project.instance() as instance:
        found = instance.storage.latest(keys=[AssetKey.parse(key)]).get(AssetKey.parse(key))
    return AssetMaterialized.from_data(found.event.data) if found is not None else None


def test_a_report_is_recorded_as_a_finished_run_with_its_inputs(pushed: Project) -> None:
    with pushed.instance() as instance:
        instance.materialize(load_definitions(pushed.location), "landed")
    with TestClient(make_app(pushed)) as client:
        client.get("/api/csrf")
        answer = client.post(
            "/api/assets/summary/report",
            json={"data_version": "v7", "metadata": {"rows": 12, "source": "spark"}},
            headers=csrf(client),
        )
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert (found["key"], found["kind"], found["data_version"]) == ("summary", "asset_materialized", "v7")
        partitioned = client.post("/api/assets/daily/report", json={"partition": "2026-01-03"}, headers=csrf(client))
        assert partitioned.status_code == 200 and partitioned.json()["partition"] == "2026-01-03"
    with pushed.instance() as instance:
        run = instance.storage.get_run(found["run_id"])
        assert run is not None and run.status is RunStatus.SUCCEEDED and run.tags[KIND] == "report"
        types = [r.event.type for r in instance.storage.get_events(run.run_id)]
        assert types == [
            EventType.RUN_STARTED,
            EventType.STEP_STARTED,
            EventType.ASSET_MATERIALIZED,
            EventType.RUN_SUCCEEDED,
        ]
        assert USER not in run.tags  # the single local user has no name
    recorded = _materialization(pushed, "summary")
    assert recorded is not None and recorded.reported and recorded.metadata == {"rows": 12, "source": "spark"}
    assert recorded.inputs is not None and set(recorded.inputs) == {"landed"}


def test_a_bad_report_is_refused_and_records_nothing(pushed: Project) -> None:
    with TestClient(make_app(pushed)) as client:
        client.get("/api/csrf")
        unknown = client.post("/api/assets/sumary/report", json={}, headers=csrf(client))
        assert unknown.status_code == 404 and "did you mean 'summary'" in unknown.json()["error"]
        flat = client.post("/api/assets/landed/report", json={"partition": "2026-01-03"}, headers=csrf(client))
        assert flat.status_code == 400
        assert flat.json()["error"] == (
            "asset 'landed' is not partitioned, so a report of it takes no partition: drop --partition "
            "'2026-01-03' (or partition= in the request)"
        )
        outside = client.post("/api/assets/daily/report", json={"partition": "2025-12-31"}, headers=csrf(client))
        assert outside.status_code == 400 and "2025-12-31" in outside.json()["error"]
        typo = client.post("/api/assets/landed/report", json={"data_versoin": "x"}, headers=csrf(client))
        assert typo.status_code == 422 and "data_versoin" in typo.json()["error"]
        no_csrf = client.post("/api/assets/landed/report", json={})
        assert no_csrf.status_code == 403
    assert _materialization(pushed, "landed") is None and _materialization(pushed, "daily") is None


@pytest.fixture
def with_users(pushed: Project) -> Project:
    with pushed.instance() as instance:
        accounts = Accounts(instance.storage)
        for role in ("viewer", "launcher", "editor"):
            accounts.add_user(role, role=role, password="a long password")
        accounts.add_user("raw_editor", role="editor", scope="group:raw", password="a long password")
    return pushed


def _token(project: Project, user: str) -> dict[str, str]:
    with project.instance() as instance:
        return {"Authorization": f"Bearer {Accounts(instance.storage).create_token(user).secret}"}


def test_reporting_needs_the_editor_role_and_is_audited(with_users: Project) -> None:
    with TestClient(make_app(with_users), client=("10.1.2.3", 5000)) as client:
        for user in ("viewer", "launcher"):
            refused = client.post("/api/assets/landed/report", json={}, headers=_token(with_users, user))
            assert refused.status_code == 403
            assert "report materializations" in refused.json()["error"]
        scoped = client.post("/api/assets/summary/report", json={}, headers=_token(with_users, "raw_editor"))
        assert scoped.status_code == 403 and "may not report summary" in scoped.json()["error"]
        editor = _token(with_users, "editor")
        done = client.post("/api/assets/landed/report", json={"data_version": "9"}, headers=editor)
        assert done.status_code == 200, done.text
        shown = client.get(f"/api/runs/{done.json()['run_id']}", headers=editor).json()
        assert shown["launched_by"] == "user:editor"
    with with_users.instance() as instance:
        run = instance.storage.get_run(done.json()["run_id"])
        assert run is not None and run.tags[USER] == "editor"
        audited = entries(instance.storage, action=AuditAction.REPORT, limit=10)
        assert [(r.entry.actor, r.entry.target) for r in audited] == [("editor", "landed")]
        refusals = entries(instance.storage, action=AuditAction.REFUSED, limit=10)
        assert {r.entry.actor for r in refusals} == {"viewer", "launcher", "raw_editor"}
    assert _materialization(with_users, "summary") is None


def test_publishing_a_held_back_value_needs_the_editor_role(with_users: Project) -> None:
    with TestClient(make_app(with_users), client=("10.1.2.3", 5000)) as client:
        for path in ("/api/staged/publish", "/api/staged/discard"):
            refused = client.post(path, json={"key": "landed"}, headers=_token(with_users, "launcher"))
            assert refused.status_code == 403 and "held-back values" in refused.json()["error"]
        me = client.get("/api/me", headers=_token(with_users, "editor")).json()
        assert "publish" in me["permissions"]


def test_headwater_report_url_reports_to_a_running_server_with_a_token(
    with_users: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEADWATER_HOME", with_users.config.home)
    runner = CliRunner()
    created = runner.invoke(cli, ["tokens", "create", "editor", "--label", "etl"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[0]
    with serving(with_users) as url:
        reported = runner.invoke(
            cli,
            ["report", "landed", "--url", url, "--data-version", "etl-1", "--metadata", "rows=3", "--json"],
            env={"HEADWATER_TOKEN": secret},
        )
        assert reported.exit_code == 0, reported.output
        assert '"data_version": "etl-1"' in reported.stdout
        shown = runner.invoke(cli, ["runs", "show", json.loads(reported.stdout)["run_id"]])
        assert re.search(r"launched by\W+user:editor", shown.output), shown.output
        anonymous = runner.invoke(cli, ["report", "landed", "--url", url], env={"HEADWATER_TOKEN": ""})
        assert anonymous.exit_code != 0
        assert "answered 401" in anonymous.output and "sign in first" in anonymous.output
        token_id = runner.invoke(cli, ["tokens", "list", "--user", "editor", "--json"]).stdout
        assert "etl" in token_id
    recorded = _materialization(with_users, "landed")
    assert recorded is not None and recorded.data_version == "etl-1" and recorded.metadata == {"rows": 3}
    nowhere = runner.invoke(cli, ["report", "landed", "--url", "http://127.0.0.1:9", "--token", secret])
    assert nowhere.exit_code != 0 and "cannot reach the Headwater server at http://127.0.0.1:9" in nowhere.output
    bad = runner.invoke(cli, ["report", "landed", "--url", "127.0.0.1:3000"])
    assert bad.exit_code != 0 and "is not the address of a Headwater server" in bad.output


def test_without_users_headwater_report_url_uses_the_csrf_cookie(pushed: Project) -> None:
    with serving(pushed) as url:
        reported = CliRunner().invoke(cli, ["report", "daily", "--url", url, "--partition", "2026-01-02"])
        assert reported.exit_code == 0, reported.output
        assert "recorded a materialization of daily" in reported.output
        refused = CliRunner().invoke(cli, ["report", "daily", "--url", url])
        said = " ".join(refused.output.split())
        assert refused.exit_code != 0 and "answered 400" in said
        assert "asset 'daily' is partitioned, so a report of it names the partition that was made" in said


@pytest.fixture
def daemon_of(pushed: Project) -> Iterator[tuple[Daemon, threading.Event]]:
    """A daemon of ``pushed`` ticking every ten minutes in a thread (no run processes)."""
    config = AutomationConfig(daemon=DaemonConfig(interval=600.0, queue_poll=0.05))
    with pushed.instance() as instance:
        instance.materialize(load_definitions(pushed.location), "landed summary")
        daemon = Daemon(instance.storage, load_definitions(pushed.location), config=config, launch=False)
        stop = threading.Event()
        thread = threading.Thread(target=daemon.run, args=(stop,), daemon=True)
        thread.start()
        try:
            yield daemon, stop
        finally:
            stop.set()
            thread.join(30)


def test_a_report_wakes_the_daemon_before_its_next_tick(
    pushed: Project, daemon_of: tuple[Daemon, threading.Event]
) -> None:
    daemon, _ = daemon_of
    queued_before = _queued(daemon)
    with TestClient(make_app(pushed)) as client:
        client.get("/api/csrf")
        assert client.post("/api/assets/landed/report", json={}, headers=csrf(client)).status_code == 200
    deadline = time.monotonic() + 60  # far less than the daemon's 600 s interval
    while time.monotonic() < deadline and _queued(daemon) == queued_before:
        time.sleep(0.05)
    requested = _queued(daemon).keys() - queued_before.keys()
    assert requested, "the daemon did not tick after the report"
    assert all(_queued(daemon)[run_id] == (AssetKey("summary"),) for run_id in requested)


def _queued(daemon: Daemon) -> dict[str, tuple[AssetKey, ...]]:
    return {q.run.run_id: q.run.asset_keys for q in RunQueueStore(daemon.storage).queue()}


def test_report_url_errors_say_what_to_fix(tmp_path: Path) -> None:
    import http.server

    class Html(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>not headwater</html>")

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        other = CliRunner().invoke(cli, ["report", "landed", "--url", url])
    finally:
        server.shutdown()
        server.server_close()
    said = " ".join(other.output.split())
    assert other.exit_code != 0 and f"{url} did not answer JSON to {url}/api/csrf: is it a Headwater server?" in said
    local = CliRunner().invoke(cli, ["report", "landed", "--token", "hw_x"], env={"HEADWATER_URL": ""})
    assert local.exit_code == 2 and "--token is for --url: a local report needs no token" in local.output
