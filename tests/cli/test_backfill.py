"""``headwater backfill`` and ``headwater partitions``: run, list, show, cancel, resume, status, dynamic keys."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .helpers import flat, run, write

PARTITIONED = """
import headwater as hw

DAILY = hw.DailyPartitions(start="2026-01-01", end="2026-04-01")


@hw.asset(partitions=DAILY)
def events(context: hw.Context) -> int:
    if context.partition_key == "2026-02-02":
        raise RuntimeError("export missing")
    return 1


@hw.asset(partitions=DAILY)
def daily_total(events: int) -> int:
    return events * 2


@hw.asset(partitions=hw.DynamicPartitions("customers"))
def profile(context: hw.Context) -> str:
    return str(context.partition_key)


@hw.asset(partitions=hw.MonthlyPartitions(start="2026-01-01", end="2026-04-01"))
def month(events: dict[str, int]) -> int:
    return len(events)


defs = hw.Definitions(assets=[events, daily_total, profile, month])
"""


_HEADWATER = [str(Path(sys.executable).parent / "headwater")]


def _project(tmp_path: Path) -> Path:
    return write(tmp_path, "partitioned.py", PARTITIONED)


def test_backfill_a_range_then_list_show_and_status(tmp_path: Path, home: Path) -> None:
    project = str(_project(tmp_path))
    done = run(
        "backfill", "-f", project, "--select", "events daily_total", "--partitions", "2026-01-01...2026-01-31",
        "--max-concurrent", "4",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "31 of 31 runs succeeded" in flat(done.output)

    listed = json.loads(run("backfill", "list", "--json", ok=True).stdout)
    assert [(b["status"], b["total"], b["succeeded"]) for b in listed] == [("succeeded", 31, 31)]
    shown = json.loads(run("backfill", "show", listed[0]["backfill_id"][:8], "--json", ok=True).stdout)
    assert shown["unsuccessful_runs"] == []

    status = json.loads(run("partitions", "status", "daily_total", "-f", project, "--json", ok=True).stdout)
    assert status["total"] == 90
    assert status["ranges"] == [
        {"status": "materialized", "start": "2026-01-01", "end": "2026-01-31", "count": 31},
        {"status": "missing", "start": "2026-02-01", "end": "2026-03-31", "count": 59},
    ]
    table = run("partitions", "status", "daily_total", "-f", project, ok=True)
    assert "90 partitions" in flat(table.output) and "31 materialized, 59 missing" in flat(table.output)


def test_months_not_wholly_inside_the_range_are_left_out_and_said(tmp_path: Path, home: Path) -> None:
    project = str(_project(tmp_path))
    done = run(
        "backfill", "-f", project, "--select", "events month", "--partitions", "2026-01-01...2026-01-20", "--json"
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert (data["total"], data["succeeded"]) == (20, 20)
    reason = (
        "asset 'month': 2026-01-01 left out: it reads 'events' partitions 2026-01-01...2026-01-31, not all in the "
        "backfilled range (2026-01-01...2026-01-20); widen --partitions to whole windows to include it"
    )
    assert data["left_out"] == [reason]
    assert reason in flat(done.stderr)
    assert f"error: None {reason}" in flat(run("backfill", "show", data["backfill_id"], ok=True).stdout)


def test_failures_exit_1_and_resume_after_a_fix(tmp_path: Path, home: Path) -> None:
    project = _project(tmp_path)
    failed = run("backfill", "-f", str(project), "--select", "events daily_total", "--missing", "--json")
    assert failed.exit_code == 1
    data = json.loads(failed.stdout)
    assert (data["status"], data["total"], data["failed"]) == ("failed", 90, 1)
    shown = json.loads(run("backfill", "show", data["backfill_id"], "--json", ok=True).stdout)
    assert shown["unsuccessful_runs"][0]["partition"] == "2026-02-02"

    fixed = write(tmp_path, "fixed.py", PARTITIONED.replace('raise RuntimeError("export missing")', "return 5"))
    resumed = run("backfill", "resume", data["backfill_id"][:8], "-f", str(fixed), "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["succeeded"] == 90
    nothing = run("backfill", "-f", str(fixed), "--select", "events", "--failed")
    assert nothing.exit_code == 2
    assert "nothing to backfill: no failed partitions of the selected assets (events)" in flat(nothing.output)


def test_usage_errors_and_cancel(tmp_path: Path, home: Path) -> None:
    project = str(_project(tmp_path))
    both = run("backfill", "-f", project, "--all", "--missing")
    assert both.exit_code == 2
    assert "give exactly one of --partitions START...END, --all, --missing or --failed" in flat(both.output)
    backwards = run("backfill", "-f", project, "--select", "events", "--partitions", "2026-03-01...2026-01-01")
    assert backwards.exit_code == 2
    assert "starts after it ends: write the earlier key first (2026-01-01...2026-03-01)" in flat(backwards.output)
    unknown = run("backfill", "cancel", "nope")
    assert unknown.exit_code == 2 and "no backfill 'nope'" in flat(unknown.output)
    bad_key = run("backfill", "-f", project, "--select", "events", "--partitions", "2026-04-31")
    assert bad_key.exit_code == 2
    assert "error: partition '2026-04-31' is not a partition of asset 'events'" in flat(bad_key.output)
    assert "valid keys: '2026-01-01' ... '2026-03-31' (90 keys)" in flat(bad_key.output)
    assert json.loads(run("backfill", "list", "--json", ok=True).stdout) == []  # nothing stored


def test_dynamic_partitions_from_the_cli(tmp_path: Path, home: Path) -> None:
    project = str(_project(tmp_path))
    assert "added 2 key(s) to 'customers': acme, globex" in flat(
        run("partitions", "add", "customers", "acme", "globex", ok=True).output
    )
    assert run("partitions", "list", "customers", ok=True).output.split() == ["acme", "globex"]
    done = run("backfill", "-f", project, "--select", "profile", "--all", "--json")
    assert json.loads(done.stdout)["succeeded"] == 2
    assert "removed 1 key(s)" in run("partitions", "remove", "customers", "globex", ok=True).output
    bad = run("partitions", "add", "customers", "a|b")
    assert bad.exit_code == 2 and "contains '|'" in flat(bad.output)
    unknown = run("backfill", "-f", project, "--select", "profile", "--partitions", "initech")
    assert unknown.exit_code == 2
    assert "add it with `headwater partitions add customers initech`" in flat(unknown.output)

    run("partitions", "add", "customers", "globex", "initech", ok=True)
    record, _ = _stored_backfill(project)
    run("partitions", "remove", "customers", "initech", ok=True)
    resumed = run("backfill", "resume", record[:8], "-f", project)
    assert resumed.exit_code == 2
    assert "that no longer exist: initech (DynamicPartitions 'customers' now has 'acme', 'globex')" in flat(
        resumed.output
    )
    shown = json.loads(run("backfill", "show", record[:8], "--json", ok=True).stdout)
    assert (shown["status"], shown["total"], shown["succeeded"]) == ("requested", 3, 0)


def _stored_backfill(project: str) -> tuple[str, int]:
    """A backfill of every customer, stored but not run (as if its process stopped at once)."""
    from headwater.instance import Instance
    from headwater.instance.backfill import create_backfill
    from headwater.loader import find_location, load_definitions

    defs = load_definitions(find_location(file=project))
    with Instance.get() as instance:
        record, _ = create_backfill(instance, defs, "profile", mode="all")
    return record.backfill_id, record.total


def test_live_progress_bar_counts_runs() -> None:
    import io

    from headwater.cli.backfill import RunProgress
    from headwater.graph.backfill_plan import BackfillUnit
    from headwater.instance.backfill import Progress

    bar = RunProgress(3, 1, enabled=True)
    unit = BackfillUnit(index=1, group=0, partitions=("2026-01-02",), upstream=())
    with bar:
        assert bar._progress is not None
        bar._progress.console.file = io.StringIO()
        bar.update(Progress(backfill_id="b", total=3, succeeded=1, failed=1, unit=unit, status="failed", run_id="r"))
        task = bar._progress.tasks[0]
        assert (task.completed, task.total) == (2, 3)
        assert task.description == "2026-01-02 failed (1 failed)"
    assert (bar.done, bar.failed) == (2, 1)


def test_live_progress_bar_shows_a_stored_backfill() -> None:
    import io

    from headwater.cli.backfill import RunProgress
    from headwater.storage.backfills import BackfillRecord, BackfillStatus

    bar = RunProgress(4, 0, enabled=True)
    with bar:
        assert bar._progress is not None
        bar._progress.console.file = io.StringIO()
        bar.show(BackfillRecord(backfill_id="b", status=BackfillStatus.RUNNING, total=4, succeeded=2, failed=1))
        task = bar._progress.tasks[0]
        assert (task.completed, task.total, task.description) == (3, 4, "running (1 failed)")
    assert (bar.done, bar.failed) == (3, 1)


def test_backfill_runs_in_worker_processes(tmp_path: Path, home: Path) -> None:
    project = str(_project(tmp_path))
    done = run(
        "backfill", "-f", project, "--select", "events daily_total", "--partitions", "2026-01-01,2026-01-03",
        "--workers", "2", "--json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["succeeded"] == 2
    status = json.loads(run("partitions", "status", "daily_total", "-f", project, "--json", ok=True).stdout)
    assert [r["status"] for r in status["ranges"]][:3] == ["materialized", "missing", "materialized"]


def _until(stream: IO[str], text: str) -> list[str]:
    """Lines read from a child's ``stream`` up to the one containing ``text``."""
    lines = [stream.readline()]
    while lines[-1] and text not in lines[-1]:
        lines.append(stream.readline())
    return lines


@contextmanager
def _headwater(cwd: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    """``headwater ARGS`` as a child process, killed if still running when the block ends."""
    child = subprocess.Popen([*_HEADWATER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()


def _tick_until_it_ends(child: subprocess.Popen[str], project: str) -> tuple[str, str, list[int]]:
    """Daemon ticks (``daemon --once``) until ``child`` exits: its stdout, stderr, and runs launched per tick."""
    launched: list[int] = []
    while child.poll() is None and len(launched) < 20:  # a guard against hanging: 3 ticks suffice
        tick = json.loads(run("daemon", "-f", project, "--once", "--wait", "60", "--json", ok=True).stdout)
        launched.append(len(tick["launched_runs"]))
    out, err = child.communicate(timeout=60)
    return out, err, launched


def test_queued_backfill_is_advanced_by_daemon_ticks_while_the_command_follows(tmp_path: Path, home: Path) -> None:
    project = str(_project(tmp_path))
    (tmp_path / "headwater.toml").write_text("[runs]\nmax_concurrent = 1\n")
    command = [
        "backfill", "-f", project, "--select", "events daily_total",
        "--partitions", "2026-01-01...2026-01-02", "--queue", "--json",
    ]  # fmt: skip
    with _headwater(tmp_path, *command) as follower:
        assert follower.stderr is not None
        said = flat("".join(_until(follower.stderr, "no daemon is running")))
        # the command queued nothing itself: the backfill waits for a daemon
        listed = json.loads(run("backfill", "list", "--json", ok=True).stdout)
        assert [(b["status"], b["total"], b["succeeded"]) for b in listed] == [("requested", 2, 0)]
        assert json.loads(run("runs", "list", "--json", ok=True).stdout) == []
        out, err, launched = _tick_until_it_ends(follower, project)
    assert follower.returncode == 0, (err, launched)
    assert "runs go to the run queue: `headwater daemon` launches them under the [runs] limits" in said
    assert (
        f"no daemon is running: start `headwater daemon` (or `headwater dev`) to run backfill "
        f"{listed[0]['backfill_id'][:8]}; this command follows it meanwhile"
    ) in said
    data = json.loads(out)
    assert (data["status"], data["total"], data["succeeded"]) == ("succeeded", 2, 2)
    assert max(launched) == 1, launched
    refused = run("backfill", "-f", project, "--select", "events", "--all", "--queue", "--workers", "2")
    assert refused.exit_code == 2 and "drop --workers or --queue" in flat(refused.output)


def test_ctrl_c_leaves_a_queued_backfill_to_the_daemon_and_resume_follows_it(tmp_path: Path, home: Path) -> None:
    project = str(_project(tmp_path))
    command = ["backfill", "-f", project, "--select", "events", "--partitions", "2026-01-05", "--queue"]
    with _headwater(tmp_path, *command) as follower:
        assert follower.stderr is not None
        _until(follower.stderr, "no daemon is running")
        follower.send_signal(signal.SIGINT)
        _, err = follower.communicate(timeout=60)
    bid = json.loads(run("backfill", "list", "--json", ok=True).stdout)[0]["backfill_id"][:8]
    assert follower.returncode == 1, err
    assert (
        f"stopped following backfill {bid}: `headwater daemon` keeps running it; see its progress with "
        f"`headwater backfill show {bid}`, cancel it with `headwater backfill cancel {bid}`"
    ) in flat(err)
    in_process = run("backfill", "resume", bid, "-f", project)
    assert in_process.exit_code == 2
    assert f"backfill {bid} is run by `headwater daemon`; follow it with `headwater backfill resume {bid} --queue`" in (
        flat(in_process.output)
    )
    run("daemon", "-f", project, "--once", ok=True)  # the daemon queues the run; it is not launched yet
    assert [r["status"] for r in json.loads(run("runs", "list", "--json", ok=True).stdout)] == ["queued"]
    with _headwater(tmp_path, "backfill", "resume", bid, "-f", project, "--queue", "--json") as resumed:
        out, err, _ = _tick_until_it_ends(resumed, project)
    assert resumed.returncode == 0, err
    assert (json.loads(out)["status"], json.loads(out)["succeeded"]) == ("succeeded", 1)
    assert len(json.loads(run("runs", "list", "--json", ok=True).stdout)) == 1  # the queued run was not repeated


def test_a_backfill_of_assets_without_partitions_says_to_materialize(project: Path) -> None:
    result = run("backfill", "-f", str(project), "--select", "orders revenue", "--partitions", "2026-01-01")
    assert result.exit_code == 2
    assert (
        "error: no selected asset is partitioned (orders, revenue), so there are no partitions to backfill: run "
        "them once with `headwater materialize --select 'orders revenue'`, or select partitioned assets"
    ) in flat(result.output)
    assert run("runs", "list", "--json", ok=True).output.strip() == "[]"  # nothing ran


def test_adding_keys_to_dynamic_partitions_no_asset_declares_is_refused(tmp_path: Path, home: Path) -> None:
    project = _project(tmp_path)
    result = run("partitions", "add", "customer", "acme", "-f", str(project))
    assert result.exit_code == 2
    assert (
        f"no asset of -f {project} (attribute 'defs') has hw.DynamicPartitions('customer') (did you mean "
        "'customers'?); declared dynamic partitions: customers; fix NAME, or declare it on an asset first"
    ) in flat(result.output)
    assert json.loads(run("partitions", "list", "customer", "--json", ok=True).output)["keys"] == []
    run("partitions", "add", "customers", "acme", "-f", str(project), ok=True)
    # Without definitions to load, the keys are still added, after a warning.
    unchecked = run("partitions", "add", "regions", "eu", ok=True)
    assert (
        f"warning: cannot check that 'regions' is declared (no definitions to load in {tmp_path}: pass -m "
        "package.module or -f path/to/defs.py, or add [tool.headwater]"
    ) in flat(unchecked.stderr)
    assert "adding the keys anyway" in flat(unchecked.stderr)
    assert json.loads(run("partitions", "list", "regions", "--json", ok=True).output)["keys"] == ["eu"]
