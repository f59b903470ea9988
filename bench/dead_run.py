"""How long a killed run takes to be marked failed; prints JSON figures.

Usage: python bench/dead_run.py [--quick]. M1 starts a real `headwater materialize`, kills it with
SIGKILL while its step runs, and times from the kill to the run being marked failed by a daemon
ticking every second on the same host (default heartbeat timeout). Median and worst of several
kills, each at a random point of the tick interval; timings never appear in tests.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import headwater as hw
from headwater.automation import Daemon
from headwater.events import EventType
from headwater.storage.run_queue import RunQueueStore

PROJECT = """
import os
import time
from pathlib import Path

import headwater as hw

@hw.asset
def slow() -> int:
    Path(os.environ["HW_BENCH_FLAG"]).write_text(str(os.getpid()))
    time.sleep(600)
    return 1

defs = hw.Definitions(assets=[slow])
"""

TICK = 1.0


def _ticking(home: str, defs: hw.Definitions, stop: threading.Event) -> None:
    """A daemon ticking every second, in its own instance as the daemon's process would have."""
    with hw.Instance.from_config(hw.InstanceConfig(home=home)) as instance:
        daemon = Daemon(instance.storage, defs, launch=False)
        while not stop.wait(TICK):
            daemon.tick()


def _one_kill(tmp: Path, index: int) -> float:
    home = str(tmp / f"home{index}")
    project = tmp / f"defs{index}.py"
    project.write_text(PROJECT)
    flag = tmp / f"flag{index}"
    defs = hw.load_definitions(hw.find_location(file=str(project), project_dir=tmp))
    env = {**os.environ, "HW_BENCH_FLAG": str(flag), "HEADWATER_HOME": home}
    worker = subprocess.Popen(
        [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", str(project)],
        cwd=tmp,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = threading.Event()
    ticker = threading.Thread(target=_ticking, args=(home, defs, stop))
    with hw.Instance.from_config(hw.InstanceConfig(home=home)) as instance:
        try:
            run_id = _wait_until_running(instance, flag, worker)
            ticker.start()
            time.sleep(TICK * 2 + random.random() * TICK)  # a few ticks in, at a random point of one
            os.kill(worker.pid, signal.SIGKILL)
            killed = time.monotonic()
            worker.wait(10)  # reaped, as by the shell that started it
            while instance.storage.get_run(run_id).status is not hw.RunStatus.FAILED:
                if time.monotonic() - killed > 600:
                    raise RuntimeError("the killed run was never marked failed")
                time.sleep(0.01)
            return time.monotonic() - killed
        finally:
            stop.set()
            if ticker.is_alive():
                ticker.join()
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)


def _wait_until_running(instance: hw.Instance, flag: Path, worker: subprocess.Popen[bytes]) -> str:
    """The run's id once its step has started and that start is in the event log."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the run process exited early with code {worker.returncode}")
        if flag.exists():
            for active in RunQueueStore(instance.storage).running():
                events = instance.storage.get_events(active.run.run_id, types=[EventType.STEP_STARTED])
                if events:
                    return active.run.run_id
        time.sleep(0.05)
    raise RuntimeError("the run never started its step")


def m1_dead_run(repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        seconds = [_one_kill(Path(tmp), i) for i in range(repeat)]
    return {
        "kills": repeat,
        "tick_s": TICK,
        "detection_median_s": round(statistics.median(seconds), 2),
        "detection_max_s": round(max(seconds), 2),
    }


def main() -> None:
    quick = "--quick" in sys.argv
    print(json.dumps({"M1_killed_run_detection": m1_dead_run(2 if quick else 5)}, indent=2))


if __name__ == "__main__":
    main()
