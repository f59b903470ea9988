"""``headwater dev``: the web server and the daemon as one command, the daemon restarted on code changes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from headwater.cli.dev import changed_files, snapshot

PROJECT = """
import headwater as hw


@hw.asset
def orders() -> list[int]:
    return [1, 2, 3]


defs = hw.Definitions(assets=[orders])
"""

GROWN = PROJECT.replace(
    "defs = hw.Definitions(assets=[orders])",
    "@hw.asset\ndef revenue(orders: list[int]) -> int:\n    return sum(orders)\n\n\n"
    "defs = hw.Definitions(assets=[orders, revenue])",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except (urllib.error.URLError, OSError):
        return 0


def _headwater(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "headwater.cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], int, Path]]:
    (tmp_path / "project.py").write_text(PROJECT)
    env = {**os.environ, "HEADWATER_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    env.pop("HEADWATER_STORAGE_URL", None)
    port = _free_port()
    args = ["dev", "-f", "project.py", "--port", str(port), "--interval", "0.2", "--poll", "0.2"]
    process = subprocess.Popen(
        [sys.executable, "-m", "headwater.cli.main", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process, env, port, tmp_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _run_status(env: dict[str, str], cwd: Path, run_id: str) -> str:
    shown = _headwater("runs", "show", run_id, "--json", env=env, cwd=cwd)
    return str(json.loads(shown.stdout)["status"]) if shown.returncode == 0 else ""


def _queue(env: dict[str, str], cwd: Path, selection: str) -> str:
    queued = _headwater("materialize", "-f", "project.py", "--select", selection, "--queue", "--json", env=env, cwd=cwd)
    assert queued.returncode == 0, queued.stderr
    return str(json.loads(queued.stdout)["run_id"])


def test_dev_serves_the_ui_runs_the_daemon_and_restarts_it_on_change(
    dev: tuple[subprocess.Popen[str], dict[str, str], int, Path],
) -> None:
    process, env, port, cwd = dev
    _until("the web server", lambda: _get(f"http://127.0.0.1:{port}/api/health") == 200)
    first = _queue(env, cwd, "orders")
    _until("the daemon to run the queued run", lambda: _run_status(env, cwd, first) == "succeeded")

    time.sleep(0.05)  # a new mtime for the edit below on coarse clocks
    (cwd / "project.py").write_text(GROWN)
    second = _queue(env, cwd, "revenue")  # only the edited code defines 'revenue'
    _until("the restarted daemon to run the new asset", lambda: _run_status(env, cwd, second) == "succeeded")

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    err = process.stderr.read()
    assert "web UI and daemon for -f" in err and "project.py changed: restarting the daemon" in err
    _until("the web server to stop", lambda: _get(f"http://127.0.0.1:{port}/api/health") == 0, timeout=10)


def test_bad_location_fails_before_starting_anything(tmp_path: Path) -> None:
    env = {**os.environ, "HEADWATER_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    done = _headwater("dev", "-m", "no_such_module_here", "-f", "x.py", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "give either a module (-m) or a file (-f), not both" in done.stderr


def test_snapshots_see_added_changed_and_removed_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "ignored.py").write_text("")
    before = snapshot(tmp_path)
    assert list(before) == [str(tmp_path / "a.py")]
    os.utime(tmp_path / "a.py", (1, 1))
    (tmp_path / "b.sql").write_text("select 1")
    after = snapshot(tmp_path)
    assert changed_files(before, after) == [str(tmp_path / "a.py"), str(tmp_path / "b.sql")]
    (tmp_path / "a.py").unlink()
    assert changed_files(after, snapshot(tmp_path)) == [str(tmp_path / "a.py")]
