"""Automation benchmarks, printed as JSON.

A1: one daemon tick over 10,000 assets that all carry ``hw.eager()``, half of them materialized
    (so upstream updates and missing parents are both in play): seconds, phases and SQL queries.
A2: launch latency: from a run queued to its process having started it (status ``started``).
A3: the run-failure sensor over 1,000 finished runs in one tick.
"""

from __future__ import annotations

import json
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
from headwater.storage.run_queue import RunQueueStore

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
        return {
            "assets": N,
            "first_tick_seconds": round(first_seconds, 3),
            "first_tick_queries": first_statements,
            "first_tick_requested": first.requested_assets,
            "first_tick_phases": first.seconds,
            "second_tick_seconds": round(second_seconds, 3),
            "second_tick_queries": statements[0],
            "second_tick_requested": second.requested_assets,
        }


PROJECT = """
import headwater as hw

@hw.asset
def one() -> int:
    return 1

defs = hw.Definitions(assets=[one])
"""


def launch_latency(folder: Path, runs: int = 3) -> dict[str, Any]:
    project = folder / "a2" / "defs.py"
    project.parent.mkdir(parents=True)
    project.write_text(textwrap.dedent(PROJECT))
    location = hw.find_location(file=str(project), project_dir=project.parent)
    defs = hw.load_definitions(location)
    config = hw.InstanceConfig(home=str(folder / "a2" / ".headwater"))
    samples = []
    with hw.Instance.from_config(config) as instance:
        env = {"HEADWATER_HOME": config.home, "HEADWATER_STORAGE_URL": config.storage_url}
        daemon = Daemon(instance.storage, defs, env=env, log_dir=str(folder / "a2" / "logs"))
        queue = RunQueueStore(instance.storage)
        for _ in range(runs):
            queued = instance.submit_run(defs)
            start = time.perf_counter()
            daemon.tick()
            launched = time.perf_counter() - start
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                run = instance.storage.get_run(queued.run_id)
                if run is not None and run.status is not hw.RunStatus.QUEUED:
                    break
                time.sleep(0.005)
            else:
                raise RuntimeError(f"run {queued.run_id} did not start; see {folder / 'a2' / 'logs'}")
            samples.append((launched, time.perf_counter() - start))
            assert daemon.launcher is not None
            daemon.launcher.wait(60)
        del queue
    return {
        "runs": runs,
        "tick_to_process_started_seconds": [round(s[0], 3) for s in samples],
        "queue_to_running_seconds": [round(s[1], 3) for s in samples],
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = {
            "A1_tick_10k_eager": tick_10k(folder),
            "A2_launch_latency": launch_latency(folder),
            "A3_run_failure_sensor": run_status_sensor(folder),
        }
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
