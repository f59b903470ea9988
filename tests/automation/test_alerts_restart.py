"""A real ``headwater daemon`` process killed with SIGKILL in the middle of an incident and started
again: the incident is not fired twice, its resolution still comes, and a notice the daemon owed
when it was killed (its target was down) is delivered once by the next daemon."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alert_servers import Receiver, http_receiver

import headwater as hw
from headwater.automation.alert_state import AlertState
from headwater.instance.config import load_config
from headwater.storage.automation import AutomationStore

DEFS = """
import os
from pathlib import Path

import headwater as hw

@hw.asset
def flaky() -> int:
    if Path(os.environ["HW_TEST_FAIL"]).exists():
        raise RuntimeError("the warehouse is down")
    return 1

@hw.sensor(interval=0.05)
def heartbeat():
    return None

defs = hw.Definitions(assets=[flaky], sensors=[heartbeat])
"""

TOML = """
[daemon]
interval = 0.1
lease_ttl = 0.5

[runs]
spare_workers = 0

[alerts.targets.hook]
type = "webhook"
url = "{url}"

[[alerts.rules]]
name = "pager"
on = "run_failed"
targets = ["hook"]
"""


def _wait(predicate: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Receiver]]:
    monkeypatch.delenv("HEADWATER_HOME", raising=False)
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    monkeypatch.setenv("HW_TEST_FAIL", str(tmp_path / "fail"))
    with http_receiver() as receiver:
        (tmp_path / "defs.py").write_text(DEFS)
        (tmp_path / "headwater.toml").write_text(TOML.format(url=receiver.url("/hook")))
        yield tmp_path, receiver


class _Daemons:
    """Starts ``headwater daemon`` processes in the project and kills them with SIGKILL."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "headwater.cli.main", "daemon", "-f", "defs.py"]
        process = subprocess.Popen(command, cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


def test_a_daemon_killed_mid_incident_neither_repeats_nor_loses_alerts(project: tuple[Path, Receiver]) -> None:
    folder, receiver = project
    flag = folder / "fail"
    daemons = _Daemons(folder)
    with hw.Instance.from_config(load_config(folder)) as instance:
        store = AutomationStore(instance.storage)

        def state() -> AlertState | None:
            found = store.instigator_states().get("alert:pager")
            return AlertState.from_cursor(found.cursor, 0.0) if found is not None else None

        def ticked_since(moment: float, count: int) -> Callable[[], bool]:
            return lambda: sum(t.timestamp > moment for t in store.list_ticks("heartbeat", limit=50)) >= count

        def deliveries() -> list[str]:
            return [body["delivery"] for _, _, body in receiver.posts]

        materialize = lambda: hw.materialize(hw.Definitions(assets=[_flaky()]), instance=instance)  # noqa: E731
        try:
            first = daemons.start()
            _wait(lambda: state() is not None, "the first daemon to watch runs")
            flag.touch()
            failed = materialize()
            _wait(lambda: deliveries() == ["pager#1:firing"], "the failure to be posted")
            daemons.kill(first)  # the incident is open; it was delivered
            restarted = time.time()
            second = daemons.start()
            _wait(ticked_since(restarted, 5), "the second daemon to tick")
            assert deliveries() == ["pager#1:firing"]  # not fired again
            flag.unlink()
            fixed = materialize()
            _wait(lambda: len(deliveries()) == 2, "the resolution to be posted")
            assert deliveries() == ["pager#1:firing", "pager#1:resolved"]

            receiver.failing = 10**6  # the target is down while the next incident opens
            flag.touch()
            materialize()
            _wait(lambda: (s := state()) is not None and any(d.attempts for d in s.outbox), "a failed delivery")
            daemons.kill(second)  # killed owing the notice
            receiver.failing = 0
            restarted = time.time()
            daemons.start()
            _wait(lambda: len(deliveries()) == 3, "the owed notice to be delivered")
            _wait(ticked_since(restarted, 10), "the third daemon to tick on")
        finally:
            daemons.close()
    assert not failed.success and fixed.success
    assert deliveries() == ["pager#1:firing", "pager#1:resolved", "pager#2:firing"]
    assert receiver.posts[0][2]["url"] == f"http://127.0.0.1:3000/runs/{failed.run_id}"


def _flaky() -> hw.AssetSpec[..., int]:
    @hw.asset
    def flaky() -> int:
        if Path(os.environ["HW_TEST_FAIL"]).exists():
            raise RuntimeError("the warehouse is down")
        return 1

    return flaky
