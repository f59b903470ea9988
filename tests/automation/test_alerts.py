"""Alerts on run outcomes: a webhook posted to a real HTTP server on 127.0.0.1, and ``[alerts]`` in
headwater.toml adding the run-failure sensor without code."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.automation import AutomationConfig, Daemon
from headwater.automation.config import AlertsConfig
from headwater.automation.sensors import ALERTS_SENSOR
from headwater.errors import ConfigError
from headwater.instance.config import load_config
from headwater.storage.automation import AutomationStore


class _Receiver(ThreadingHTTPServer):
    posts: list[tuple[str, str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    """An HTTP server on 127.0.0.1 recording every POST, stopped after the test."""
    server = _Receiver(("127.0.0.1", 0), _Handler)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@hw.asset
def broken() -> int:
    raise RuntimeError("the warehouse is down")


@hw.asset
def fine() -> int:
    return 1


def _url(server: _Receiver, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{path}"


def test_webhook_receives_the_failed_run(instance: hw.Instance, receiver: _Receiver) -> None:
    sensor = hw.run_status_sensor("pager", status="failure", webhook=_url(receiver, "/hooks/runs"), interval=1)
    defs = hw.Definitions(assets=[broken, fine], sensors=[sensor])
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=time.time() - 1)  # the sensor starts watching runs that finish from now on
    failed = hw.materialize(defs, "broken", instance=instance)
    succeeded = hw.materialize(defs, "fine", instance=instance)
    assert not failed.success and succeeded.success
    daemon.tick(now=time.time() + 5)
    [(path, content_type, payload)] = receiver.posts
    assert (path, content_type) == ("/hooks/runs", "application/json")
    assert payload["run_id"] == failed.run_id and payload["status"] == "failed"
    assert (payload["error"], payload["selection"]) == ("1 step(s) failed (broken)", "broken")
    [tick, _first] = AutomationStore(instance.storage).list_ticks("pager")
    assert tick.status == "skipped" and [r["run_id"] for r in tick.data["runs"]] == [failed.run_id]


def test_alerts_from_configuration(instance: hw.Instance, receiver: _Receiver) -> None:
    alerts = AlertsConfig(webhook=_url(receiver, "/alerts"), interval=1)
    daemon = Daemon(instance.storage, hw.Definitions(assets=[broken]), config=AutomationConfig(alerts=alerts))
    assert [s.name for s in daemon.sensors] == [ALERTS_SENSOR]
    daemon.tick(now=time.time() - 1)
    failed = hw.materialize([broken], instance=instance)
    daemon.tick(now=time.time() + 5)
    assert [(path, body["run_id"]) for path, _, body in receiver.posts] == [("/alerts", failed.run_id)]


def test_alerts_section_in_headwater_toml(tmp_path: Path) -> None:
    (tmp_path / "headwater.toml").write_text('[alerts]\nwebhook = "http://127.0.0.1:9/x"\nlog = true\n')
    config = load_config(tmp_path)
    assert config.automation.alerts.webhook == "http://127.0.0.1:9/x" and config.automation.alerts.enabled
    (tmp_path / "headwater.toml").write_text('[alerts]\nwebhook = "slack.example.com/hook"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert "alerts.webhook: String should match pattern '^https?://'" in str(raised.value)
    assert "[alerts] webhook = URL" in str(raised.value)
