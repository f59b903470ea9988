"""``headwater daemon``, ``automation``, ``materialize --queue`` and ``runs cancel`` end to end, with
real run processes launched by the daemon (a kill -9 of one is noticed by the monitor)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import headwater as hw
from headwater.storage.run_queue import RunQueueStore

from .helpers import flat, run, write

SLOW = """
import os
import time
from pathlib import Path

import headwater as hw

@hw.asset
def first() -> int:
    return 1

@hw.asset
def slow(first: int) -> int:
    Path(os.environ["HW_TEST_FLAG"]).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("HW_TEST_SLEEP", "30")))
    return first

@hw.asset(automation=hw.eager())
def after(slow: int) -> int:
    return slow

nightly = hw.Schedule("nightly", cron="0 2 * * *", select="first")
watch = hw.asset_sensor("watch_first", asset="first", select="slow")
defs = hw.Definitions(assets=[first, slow, after], schedules=[nightly], sensors=[watch])
"""


def _instance() -> hw.Instance:
    return hw.Instance.get()


def _wait(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_queued_run_is_launched_by_the_daemon(tmp_path: Path, home: Path, monkeypatch: object) -> None:
    os.environ["HW_TEST_FLAG"] = str(tmp_path / "flag")
    os.environ["HW_TEST_SLEEP"] = "0"
    try:
        project = write(tmp_path, "defs.py", SLOW)
        queued = run("materialize", "-f", str(project), "--select", "first slow", "--queue", "--json", ok=True)
        run_id = json.loads(queued.output)["run_id"]
        ticked = run("daemon", "-f", str(project), "--once", "--wait", "60", "--json", ok=True)
        summary = json.loads(ticked.output)
        assert summary["acted"] and summary["launched_runs"] == [run_id]
        with _instance() as instance:
            record = instance.storage.get_run(run_id)
            assert record is not None and record.status is hw.RunStatus.SUCCEEDED, record
            assert {k.to_string() for k in instance.latest_materializations()} == {"first", "slow"}
        # `after` is eager: its upstream updated, so the next tick queues and launches it.
        run("daemon", "-f", str(project), "--once", "--wait", "60", ok=True)
        why = run("automation", "why", "after", ok=True)
        assert "requested" in why.output and "✓ upstream_updated_since_last" in why.output
        ticks = json.loads(run("automation", "ticks", "--json", ok=True).output)
        assert ticks[0]["instigator"] == "asset_automation"
    finally:
        os.environ.pop("HW_TEST_FLAG")
        os.environ.pop("HW_TEST_SLEEP")


def test_a_killed_run_process_is_marked_failed(tmp_path: Path, home: Path) -> None:
    flag = tmp_path / "flag"
    home.mkdir(parents=True, exist_ok=True)
    (tmp_path / "headwater.toml").write_text("[daemon]\nheartbeat_timeout = 1.5\n")
    project = write(tmp_path, "defs.py", SLOW)
    env = {**os.environ, "HW_TEST_FLAG": str(flag), "HW_TEST_SLEEP": "60"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", str(project), "--select", "first slow"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(flag.exists)
        with _instance() as instance:
            [running] = RunQueueStore(instance.storage).running()
            run_id = running.run.run_id

            def slow_started() -> bool:  # events are committed in groups: let the step's start land first
                started = instance.storage.get_events(run_id, types=[hw.EventType.STEP_STARTED])
                return any(rec.event.step_key == "slow" for rec in started)

            _wait(slow_started)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        time.sleep(1.6)
        ticked = json.loads(run("daemon", "-f", str(project), "--once", "--json", ok=True).output)
        assert ticked["failed_runs"] == [run_id]
        with _instance() as instance:
            record = instance.storage.get_run(run_id)
            assert record is not None and record.status is hw.RunStatus.FAILED
            assert "stopped sending heartbeats" in (record.error or "")
            assert "it was killed or its machine was lost" in (record.error or "")
            assert set(instance.latest_materializations()) == {hw.AssetKey("first")}
            failed = instance.storage.latest("failure")
            assert hw.AssetKey("slow") in failed
        # Re-executing from failure runs only the killed step, and completes the run.
        env["HW_TEST_SLEEP"] = "0"
        done = subprocess.run(
            [sys.executable, "-m", "headwater.cli.main", "runs", "reexecute", run_id, "-f", str(project), "--json"],
            env=env,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["status"] == "succeeded" and [a["asset"] for a in result["assets"]] == ["slow"]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)


def test_cancel_a_running_run(tmp_path: Path, home: Path) -> None:
    flag = tmp_path / "flag"
    project = write(
        tmp_path,
        "defs.py",
        SLOW.replace("return slow\n", "return slow\n\n@hw.asset\ndef last(after: int) -> int:\n    return after\n"),
    )
    project.write_text(project.read_text().replace("[first, slow, after]", "[first, slow, after, last]"))
    env = {**os.environ, "HW_TEST_FLAG": str(flag), "HW_TEST_SLEEP": "1.5"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", str(project)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(flag.exists)
        with _instance() as instance:
            [running] = RunQueueStore(instance.storage).running()
        result = run("runs", "cancel", running.run.run_id[:8], ok=True)
        assert "cancel requested for run" in result.output
        assert worker.wait(30) == 1
        with _instance() as instance:
            record = instance.storage.get_run(running.run.run_id)
            assert record is not None and record.status is hw.RunStatus.CANCELED
            assert hw.AssetKey("after") not in instance.latest_materializations()
        again = run("runs", "cancel", running.run.run_id)
        assert again.exit_code == 2
        assert "already canceled: only queued or running runs can be canceled" in flat(again.output)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)


def test_automation_listing_and_switches(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "defs.py", SLOW)
    listed = json.loads(run("automation", "schedules", "-f", str(project), "--json", ok=True).output)
    assert [(s["name"], s["on"], s["cron"], s["timezone"]) for s in listed] == [("nightly", True, "0 2 * * *", "UTC")]
    upcoming = listed[0]["next_tick_at"]  # the next 02:00 UTC: within a day, never the last one of the year
    assert 0 < upcoming - time.time() <= 86400 and time.gmtime(upcoming)[3:6] == (2, 0, 0)
    run("automation", "off", "nightly", "-f", str(project), ok=True)
    sensors = json.loads(run("automation", "sensors", "-f", str(project), "--json", ok=True).output)
    assert [(s["name"], s["kind"]) for s in sensors] == [("watch_first", "asset_materialized")]
    listed = json.loads(run("automation", "schedules", "-f", str(project), "--json", ok=True).output)
    assert listed[0]["on"] is False
    bad = run("automation", "on", "nightlly", "-f", str(project))
    assert bad.exit_code == 2
    assert "no schedule or sensor named 'nightlly' in these definitions (did you mean 'nightly'?)" in flat(bad.output)
    table = run("automation", "schedules", "-f", str(project), ok=True)
    assert "nightly" in table.output and "off" in table.output
    assert "no ticks yet" in run("automation", "ticks", ok=True).output


def test_queue_needs_a_known_run(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "defs.py", SLOW)
    result = run("materialize", "-f", str(project), "--run-id", "nope")
    assert result.exit_code == 2
    assert "no run 'nope' in" in flat(result.output) and "--run-id executes a run queued by the daemon" in flat(
        result.output
    )
