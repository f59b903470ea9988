"""``headwater web`` as a whole process: health answers before the app is built, then the app serves;
a project that cannot be found stops the server with the loader's message."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .conftest import Project


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _serve(project_dir: Path, *args: str, storage_url: str | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HEADWATER_HOME": str(project_dir / "home"), "COLUMNS": "10000"}
    env.pop("HEADWATER_STORAGE_URL", None)
    if storage_url:
        env["HEADWATER_STORAGE_URL"] = storage_url
    command = [sys.executable, "-m", "headwater.cli.main", "web", *args]
    return subprocess.Popen(command, cwd=project_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_health_answers_then_the_app_serves(project: Project) -> None:
    port = _port()
    server = _serve(project.path.parent, "-f", str(project.path), "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        health: dict[str, object] = {}
        while time.monotonic() < deadline:
            try:
                status, health = _get(base + "/api/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.02)
        assert health["status"] == "ok" and "ready" in health
        status, graph = _get(base + "/api/graph")  # waits for the app, then for the definitions
        assert status == 200 and len(graph["layout"]["keys"]) == 4  # type: ignore[index]
        status, health = _get(base + "/api/health")
        assert health == {"status": "ok", "version": health["version"]}
        status, refused = _get(base + "/api/runs/nope")
        assert status == 404 and str(refused["error"]).startswith("no run with id 'nope'")
    finally:
        server.terminate()
        server.wait(20)
        if server.stderr:
            server.stderr.close()


def test_an_event_log_that_cannot_open_stops_the_server(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    args = ("-f", str(project.path), "--port", str(_port()))
    server = _serve(project.path.parent, *args, storage_url=f"sqlite:///{folder}")
    try:
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 2
    assert f"error: cannot open the event log at sqlite:///{folder}" in err.decode()
    assert "check that the path is a file" in err.decode()


def _request(app: Any, path: str, host: bytes = b"127.0.0.1:3000") -> Any:
    """Send one GET through ``app`` (an ASGI callable); returns (status, body) once it answers."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def call() -> tuple[int, bytes]:
        scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"host", host)]}
        await app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    return call()


def test_lazy_app_answers_health_early_only_when_allowed() -> None:
    from headwater.web.boot import LazyApp

    release = threading.Event()

    async def built(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"from the app"})

    def build() -> Any:
        release.wait(10)
        return built

    async def scenario() -> list[Any]:
        early = LazyApp(build, allowed_hosts=["127.0.0.1"])
        guarded = LazyApp(build, answer_early=False)
        health = await _request(early, "/api/health")
        other_host = asyncio.ensure_future(_request(early, "/api/health", host=b"evil.example"))
        with_token = asyncio.ensure_future(_request(guarded, "/api/health"))
        page = asyncio.ensure_future(_request(early, "/"))
        await asyncio.sleep(0.2)
        waiting = [not task.done() for task in (other_host, with_token, page)]
        release.set()
        return [health, waiting, await other_host, await with_token, await page]

    health, waiting, other_host, with_token, page = asyncio.run(scenario())
    assert health[0] == 200 and json.loads(health[1])["ready"] is False
    assert waiting == [True, True, True]  # nothing but an allowed early health answer skips the app
    assert other_host == with_token == page == (200, b"from the app")


def test_lazy_app_reports_a_failed_build() -> None:
    from headwater.web.boot import LazyApp

    errors: list[str] = []

    def build() -> Any:
        raise RuntimeError("cannot open the event log")

    status, body = asyncio.run(_request(LazyApp(build, on_error=errors.append), "/api/runs"))
    assert status == 503
    assert json.loads(body)["error"] == "the Headwater web server could not start: cannot open the event log"
    assert errors == ["cannot open the event log"]
