"""Automation benchmarks, printed as JSON.

A1: one daemon tick over 10,000 assets that all carry ``hw.eager()``, half of them materialized
    (so upstream updates and missing parents are both in play): seconds, phases and SQL queries of
    the first tick (5,000 requested), the second (every evaluation changed: now in progress) and a
    steady one (nothing changed, nothing to record).
A2: launch latency: from a run queued (while ``headwater daemon`` runs) to its process having started
    it (status ``started``), with a spare run process and with a new process per run.
A3: the run-failure sensor over 1,000 finished runs in one tick.
A4: alerts over 1,000 assets, each with a freshness policy, a blocking check (half of them failing)
    and not_updated_within, and 1,000 failed runs: the tick that opens every incident (and delivers
    each to the log), a steady tick with every incident still open, and the ticks' SQL queries.
A5: push: from a report of an upstream asset (``Instance.report``, as ``POST /api/assets/KEY/report``
    records it) to the daemon having queued the eager downstream run, with the daemon's interval at
    ten minutes (it reacts to the wake-up, not to its clock): median and worst of 10 reports.
A6: a tick over 100 eager assets with 1,001 daily partitions each after the roots' latest five days
    were re-materialized (the days requested downstream), and a steady tick after it.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event

import headwater as hw
from headwater.automation import Daemon
from headwater.events import Event, EventType, RunRecord

N = 10_000


def _root() -> int:
    return 1


def _body(p0: int, p1: int) -> int:
    return p0 + p1


def eager_assets(n: int) -> list[hw.AssetSpec[..., Any]]:
    """The layered benchmark graph (layers of 10, two parents each), every asset eager."""
    specs: list[hw.AssetSpec[..., Any]] = []
    for i in range(n):
        layer, column = divmod(i, 10)
        name = f"a{i:05d}"
        if layer == 0:
            specs.append(hw.asset(name=name, automation=hw.eager())(_root))
        else:
            base = (layer - 1) * 10
            ins = {"p0": f"a{base + column:05d}", "p1": f"a{base + (column + 1) % 10:05d}"}
            specs.append(hw.asset(name=name, ins=ins, automation=hw.eager())(_body))
    return specs


def _count_statements(instance: hw.Instance) -> list[int]:
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    for engine in (instance.storage._engine, instance.storage._read_engine):
        event.listen(engine, "before_cursor_execute", count)
    return counter


def tick_10k(folder: Path) -> dict[str, Any]:
    defs = hw.Definitions(assets=eager_assets(N))
    with hw.Instance.from_config(hw.InstanceConfig(home=str(folder / "a1"))) as instance:
        run_id = uuid.uuid4().hex
        instance.storage.add_run(RunRecord(run_id=run_id))
        now = time.time()
        instance.storage.store_events(
            [
                Event(
                    run_id=run_id, type=EventType.ASSET_MATERIALIZED, asset_key=hw.AssetKey(f"a{i:05d}"), timestamp=now
                )
                for i in range(N // 2)
            ]
        )
        daemon = Daemon(instance.storage, defs, launch=False)
        statements = _count_statements(instance)
        started = time.perf_counter()
        first = daemon.tick()
        first_seconds = time.perf_counter() - started
        first_statements = statements[0]
        statements[0] = 0
        started = time.perf_counter()
        second = daemon.tick()
        second_seconds = time.perf_counter() - started
        second_statements = statements[0]
        statements[0] = 0
        started = time.perf_counter()
        daemon.tick()  # nothing changed since the second tick: only the evaluation, no records
        third_seconds = time.perf_counter() - started
        return {
            "assets": N,
            "first_tick_seconds": round(first_seconds, 3),
            "first_tick_queries": first_statements,
            "first_tick_requested": first.requested_assets,
            "first_tick_phases": first.seconds,
            "second_tick_seconds": round(second_seconds, 3),
            "second_tick_queries": second_statements,
            "second_tick_requested": second.requested_assets,
            "steady_tick_seconds": round(third_seconds, 3),
            "steady_tick_queries": statements[0],
        }


PROJECT = """
import headwater as hw

@hw.asset
def one() -> int:
    return 1

defs = hw.Definitions(assets=[one])
"""


def _wait_for(instance: hw.Instance, run_id: str, done: bool, logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = instance.storage.get_run(run_id)
        if run is not None and (run.status.finished if done else run.status is not hw.RunStatus.QUEUED):
            return
        time.sleep(0.002)
    raise RuntimeError(f"run {run_id} did not {'finish' if done else 'start'}; see {logs}")


def launch_latency(folder: Path, spares: int, runs: int = 5) -> dict[str, Any]:
    """Queue runs one at a time to a running ``headwater daemon`` (interval 60 s, so the queue poll
    launches them) and time each from queued to ``started``."""
    project_dir = folder / f"a2-{spares}"
    project_dir.mkdir(parents=True)
    project = project_dir / "defs.py"
    project.write_text(textwrap.dedent(PROJECT))
    (project_dir / "headwater.toml").write_text(f"[daemon]\ninterval = 60\n\n[runs]\nspare_workers = {spares}\n")
    home = project_dir / ".headwater"
    env = {**os.environ, "HEADWATER_HOME": str(home)}
    env.pop("HEADWATER_STORAGE_URL", None)
    defs = hw.load_definitions(hw.find_location(file=str(project), project_dir=project_dir))
    daemon = subprocess.Popen(
        [sys.executable, "-m", "headwater.cli.main", "daemon", "-f", str(project)],
        cwd=project_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(project_dir / "daemon.log").open("wb"),
    )
    samples = []
    try:
        with hw.Instance.from_config(hw.InstanceConfig(home=str(home))) as instance:
            for _ in range(runs + 1):
                time.sleep(4.0)  # the daemon is up and its spare (if any) has loaded the definitions
                queued = instance.submit_run(defs)
                start = time.perf_counter()
                _wait_for(instance, queued.run_id, False, home / "run-logs")
                samples.append(time.perf_counter() - start)
                _wait_for(instance, queued.run_id, True, home / "run-logs")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
    warm = samples[1:]  # the first run also waits for the daemon's first tick
    return {
        "spare_workers": spares,
        "runs": runs,
        "queue_to_running_seconds": [round(s, 3) for s in warm],
        "median_seconds": round(statistics.median(warm), 3),
    }


def run_status_sensor(folder: Path, n: int = 1000) -> dict[str, Any]:
    sensor = hw.run_status_sensor("alerts", status="failure", interval=1)
    defs = hw.Definitions(assets=[hw.asset(name="x")(_root)], sensors=[sensor])
    with hw.Instance.from_config(hw.InstanceConfig(home=str(folder / "a3"))) as instance:
        daemon = Daemon(instance.storage, defs, launch=False)
        daemon.tick(now=time.time() - 10)
        for i in range(n):
            run_id = f"r{i}"
            instance.storage.add_run(RunRecord(run_id=run_id))
        instance.storage.store_events(
            [Event(run_id=f"r{i}", type=EventType.RUN_FAILED, data={"error": "boom"}) for i in range(n)]
        )
        import logging

        logging.getLogger("headwater.alerts").disabled = True
        started = time.perf_counter()
        daemon.tick()
        seconds = time.perf_counter() - started
        [tick, _] = daemon.store.list_ticks("alerts")
        return {"finished_runs": n, "alerted": len(tick.data["runs"]), "tick_seconds": round(seconds, 3)}


def _checked(asset: hw.AssetSpec[..., Any], index: int) -> hw.CheckSpec:
    def positive(value: int) -> hw.CheckResult:
        return hw.CheckResult(passed=index % 2 == 0)

    return hw.check(asset=asset, name="positive", blocking=True, ins={"value": asset.key})(positive)


def alerts_tick(folder: Path, n: int = 1000) -> dict[str, Any]:
    import logging
    from datetime import timedelta

    fresh = hw.Freshness(max_lag=timedelta(hours=1))
    assets = [hw.asset(name=f"b{i:04d}", freshness=fresh)(_root) for i in range(n)]
    checks = [_checked(asset, i) for i, asset in enumerate(assets)]
    absent = hw.AutomationCondition.not_updated_within(timedelta(hours=1))
    alerts = [
        hw.Alert("overdue", on="asset_overdue"),
        hw.Alert("checks", on="check_failed"),
        hw.Alert("absent", on="condition", condition=absent),
        hw.Alert("idle", on="automation_idle", after=timedelta(hours=1)),
        hw.Alert("runs", on="run_failed"),
    ]
    defs = hw.Definitions(assets=assets, checks=checks, alerts=alerts)
    with hw.Instance.from_config(hw.InstanceConfig(home=str(folder / "a4"))) as instance:
        logging.getLogger("headwater.alerts").disabled = True
        daemon = Daemon(instance.storage, defs, launch=False)
        hw.materialize(defs, instance=instance)
        now = time.time()
        daemon.tick(now=now)  # the alerts start watching; the failed checks open their incidents
        for i in range(n):
            instance.storage.add_run(RunRecord(run_id=f"f{i}", selection=f"b{i:04d}"))
        instance.storage.store_events(
            [Event(run_id=f"f{i}", type=EventType.RUN_FAILED, data={"error": "boom"}) for i in range(n)]
        )
        statements = _count_statements(instance)
        later = now + 2 * 3600  # every asset is overdue and not updated within the hour
        started = time.perf_counter()
        opening = daemon.tick(now=later)
        opening_seconds, opening_queries = time.perf_counter() - started, statements[0]
        statements[0] = 0
        started = time.perf_counter()
        steady = daemon.tick(now=later + 1)
        steady_seconds = time.perf_counter() - started
        assert opening.alerts is not None and steady.alerts is not None
        return {
            "assets": n,
            "failed_runs": n,
            "opened_incidents": len(opening.alerts["opened"]),
            "delivered": opening.alerts["delivered"],
            "opening_tick_alerts_seconds": opening.seconds["alerts"],
            "opening_tick_seconds": round(opening_seconds, 3),
            "opening_tick_queries": opening_queries,
            "steady_tick_alerts_seconds": steady.seconds["alerts"],
            "steady_tick_seconds": round(steady_seconds, 3),
            "steady_tick_queries": statements[0],
            "steady_tick_opened": steady.alerts["opened"],
        }


def report_reaction(folder: Path, reports: int = 10) -> dict[str, Any]:
    import threading

    from headwater.automation.config import AutomationConfig, DaemonConfig
    from headwater.storage.run_queue import RunQueueStore

    landed = hw.asset(name="landed")(_root)
    summary = hw.asset(name="summary", ins={"landed": "landed"}, automation=hw.eager())(_copy)
    defs = hw.Definitions(assets=[landed, summary])
    config = AutomationConfig(daemon=DaemonConfig(interval=600.0))
    with hw.Instance.from_config(hw.InstanceConfig(home=str(folder / "a5"))) as instance:
        instance.materialize(defs)
        daemon = Daemon(instance.storage, defs, config=config, launch=False)
        queue = RunQueueStore(instance.storage)
        stop = threading.Event()
        thread = threading.Thread(target=daemon.run, args=(stop,), daemon=True)
        thread.start()
        time.sleep(0.5)  # its first tick
        took: list[float] = []
        for _ in range(reports):
            before = {q.run.run_id for q in queue.queue()}
            started = time.perf_counter()
            instance.report("landed", defs=defs)
            while {q.run.run_id for q in queue.queue()} == before:
                time.sleep(0.005)
            took.append(time.perf_counter() - started)
            for q in queue.queue():  # let the next report be the only news
                instance.storage.store_events([Event(run_id=q.run.run_id, type=EventType.RUN_CANCELED)])
            instance.materialize(defs, "summary")
        stop.set()
        thread.join(30)
    return {
        "reports": reports,
        "daemon_interval_seconds": 600,
        "median_seconds": round(statistics.median(took), 3),
        "max_seconds": round(max(took), 3),
    }


def _copy(landed: int) -> int:
    return landed


A6_DAYS = hw.DailyPartitions(start="2023-01-01", end="2025-09-28")  # 1,001 days


def partitioned_tick(folder: Path, assets: int = 100) -> dict[str, Any]:
    """A6: a daemon tick over 100 eager assets (layers of 10, two parents each) with 1,001 daily
    partitions each, every partition materialized once, then the latest five days of the roots
    re-materialized: the tick requests those days downstream; then a steady tick."""
    specs: list[hw.AssetSpec[..., Any]] = []
    for i in range(assets):
        layer, column = divmod(i, 10)
        name = f"a{i:03d}"
        if layer == 0:
            specs.append(hw.asset(name=name, partitions=A6_DAYS, automation=hw.eager())(_root))
        else:
            base = (layer - 1) * 10
            ins = {"p0": f"a{base + column:03d}", "p1": f"a{base + (column + 1) % 10:03d}"}
            specs.append(hw.asset(name=name, ins=ins, partitions=A6_DAYS, automation=hw.eager())(_body))
    defs = hw.Definitions(assets=specs)
    days = list(A6_DAYS.keys())
    with hw.Instance.from_config(hw.InstanceConfig(home=str(folder / "a6"))) as instance:
        run_id = uuid.uuid4().hex
        instance.storage.add_run(RunRecord(run_id=run_id))
        earlier = time.time() - 3600
        batch: list[Event] = []
        for i in range(assets):  # in dependency order, so each value is newer than its inputs
            key = hw.AssetKey(f"a{i:03d}")
            stamp = earlier + i
            batch += [
                Event(run_id=run_id, type=EventType.ASSET_MATERIALIZED, asset_key=key, partition=d, timestamp=stamp)
                for d in days
            ]
        for start in range(0, len(batch), 5000):
            instance.storage.store_events(batch[start : start + 5000])
        daemon = Daemon(instance.storage, defs, launch=False)
        daemon.tick()  # the first evaluation: everything materialized, nothing requested
        now = time.time()
        instance.storage.store_events(
            [
                Event(
                    run_id=run_id, type=EventType.ASSET_MATERIALIZED, asset_key=hw.AssetKey(f"a{i:03d}"), partition=d,
                    timestamp=now,
                )
                for i in range(10)
                for d in days[-5:]
            ]
        )  # fmt: skip
        statements = _count_statements(instance)
        started = time.perf_counter()
        changed = daemon.tick()
        changed_seconds = time.perf_counter() - started
        changed_statements = statements[0]
        statements[0] = 0
        started = time.perf_counter()
        daemon.tick()
        steady_seconds = time.perf_counter() - started
        return {
            "assets": assets,
            "partitions_per_asset": len(days),
            "tick_after_update_seconds": round(changed_seconds, 3),
            "tick_after_update_queries": changed_statements,
            "requested_assets": changed.requested_assets,
            "queued_runs": len(changed.queued_runs),
            "tick_phases": changed.seconds,
            "steady_tick_seconds": round(steady_seconds, 3),
            "steady_tick_queries": statements[0],
        }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = {
            "A1_tick_10k_eager": tick_10k(folder),
            "A2_launch_latency_spare_process": launch_latency(folder, spares=1),
            "A2_launch_latency_new_process": launch_latency(folder, spares=0),
            "A3_run_failure_sensor": run_status_sensor(folder),
            "A4_alerts_1k": alerts_tick(folder),
            "A5_report_to_request": report_reaction(folder),
            "A6_tick_100_assets_1000_partitions": partitioned_tick(folder),
        }
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
