"""Steps waiting for a pool slot: the run's loop goes on with its other steps, and a run canceled
while a step waits ends canceled (a real run process, canceled with ``headwater runs cancel``)
and is never retried by the daemon."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import headwater as hw
from headwater.automation import RunsConfig
from headwater.automation.retries import retry_run_id
from headwater.events import Event, EventType
from headwater.storage import Storage
from headwater.storage.pool_slots import PoolSlotStore
from headwater.storage.run_queue import RunQueueStore

PROJECT = """
import headwater as hw


@hw.asset(pool="warehouse")
def load() -> int:
    return 1


defs = hw.Definitions(assets=[load])
"""

TOML = """
[runs]
max_retries = 2
spare_workers = 0

[runs.pools]
warehouse = 1
"""


def _wait(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _hold_the_only_slot(storage: Storage) -> int:
    """Another run, started, holds the slot of pool 'warehouse'."""
    storage.add_run(hw.RunRecord(run_id="holder"))
    storage.store_events([Event(run_id="holder", type=EventType.RUN_STARTED)])
    slot = PoolSlotStore(storage).try_acquire("warehouse", 1, run_id="holder", step_key="x")
    assert slot is not None
    return slot


def test_a_run_canceled_while_a_step_waits_for_a_slot_is_canceled_and_not_retried(tmp_path: Path) -> None:
    (tmp_path / "defs.py").write_text(PROJECT)
    (tmp_path / "headwater.toml").write_text(TOML)
    home = tmp_path / ".headwater"
    env = {**os.environ, "HEADWATER_HOME": str(home)}
    env.pop("HEADWATER_STORAGE_URL", None)

    def headwater(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "headwater.cli.main", *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)

    config = hw.InstanceConfig(home=str(home))
    with hw.Instance.from_config(config, migrate=True) as instance:
        slot = _hold_the_only_slot(instance.storage)
    command = [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", "defs.py"]
    worker = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with hw.Instance.from_config(config) as instance:
            queue = RunQueueStore(instance.storage)
            _wait(lambda: any(r.run.run_id != "holder" for r in queue.running()))
            (run_id,) = [r.run.run_id for r in queue.running() if r.run.run_id != "holder"]
        cancel = headwater("runs", "cancel", run_id)
        assert cancel.returncode == 0, cancel.stderr
        out = worker.communicate(timeout=60)[0].decode()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    assert worker.returncode == 1, out  # not a success, but no error either
    assert f"run {run_id} canceled" in " ".join(out.split())
    assert "error:" not in out and "Traceback" not in out and "failed" not in out, out
    with hw.Instance.from_config(config) as instance:
        record = instance.storage.get_run(run_id)
        assert record is not None and record.status is hw.RunStatus.CANCELED, record
        types = [rec.event.type for rec in instance.storage.get_events(run_id)]
        assert EventType.RUN_CANCELED in types and EventType.RUN_FAILED not in types
        assert EventType.STEP_STARTED not in types
        (skipped,) = instance.storage.get_events(run_id, types=[EventType.STEP_SKIPPED])
        assert (
            skipped.event.data["reason"] == "the run was canceled while the step waited for a slot of pool 'warehouse'"
        )
        # The holder ends, so a retry (if one were queued) could run at once.
        PoolSlotStore(instance.storage).release(slot)
        instance.storage.store_events([Event(run_id="holder", type=EventType.RUN_SUCCEEDED)])
    ticked = headwater("daemon", "-f", "defs.py", "--once", "--wait", "60", "--json")
    assert ticked.returncode == 0, ticked.stderr
    assert json.loads(ticked.stdout)["retried_runs"] == []
    with hw.Instance.from_config(config) as instance:
        assert instance.storage.get_run(retry_run_id(run_id)) is None
        assert [r.run_id for r in instance.storage.list_runs() if r.parent_run_id == run_id] == []
        assert {r.run_id for r in instance.storage.list_runs()} == {"holder", run_id}


def test_a_step_waiting_for_a_slot_does_not_hold_up_the_others(tmp_path: Path) -> None:
    @hw.asset(pool="warehouse")
    def limited() -> int:
        return 1

    @hw.asset
    def free() -> int:
        return 2

    @hw.asset
    def after_free(free: int) -> int:
        return free + 1

    defs = hw.Definitions(assets=[limited, free, after_free])
    config = hw.InstanceConfig(home=str(tmp_path / ".headwater"), runs=RunsConfig(pools={"warehouse": 1}))
    with hw.Instance.from_config(config) as instance:
        assert next(iter(instance.plan(defs).steps)) == "limited"  # the loop meets the waiting step first
        slot = _hold_the_only_slot(instance.storage)
        results: list[hw.RunResult] = []
        thread = threading.Thread(target=lambda: results.append(instance.materialize(defs, run_id="waiting")))
        thread.start()
        try:
            latest = instance.latest_materializations
            _wait(lambda: hw.AssetKey("after_free") in latest())
            # 'limited' still waits for the holder's slot: it has not started.
            started = instance.storage.get_events("waiting", types=[EventType.STEP_STARTED])
            assert "limited" not in [rec.event.step_key for rec in started]
            assert hw.AssetKey("limited") not in latest()
            assert PoolSlotStore(instance.storage).in_use() == {"warehouse": 1}
        finally:
            if hw.AssetKey("after_free") not in instance.latest_materializations():
                RunQueueStore(instance.storage).request_cancel("waiting")  # the loop was stuck: end the run
            PoolSlotStore(instance.storage).release(slot)
            thread.join(60)
        assert not thread.is_alive()
        (result,) = results
        assert result.success and result.value_of("limited") == 1 and result.value_of("after_free") == 3
        order = [(rec.event.type, rec.event.step_key) for rec in instance.storage.get_events("waiting")]
        assert order.index((EventType.STEP_STARTED, "limited")) > order.index(
            (EventType.ASSET_MATERIALIZED, "after_free")
        )
        assert PoolSlotStore(instance.storage).in_use() == {}
