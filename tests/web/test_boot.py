"""``headwater web`` as a whole process: health answers before the app is built, then the app serves;
a project that cannot be found stops the server with the loader's message."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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
