"""Per-pool step limits with real concurrent runs: ``[runs.pools] warehouse = 1`` lets one step of
the pool run at a time across two run processes, each running its steps on two worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import headwater as hw
from headwater.automation import RunsConfig
from headwater.errors import ConfigError, DefinitionError
from headwater.events import Event, EventType
from headwater.instance.config import load_config
from headwater.storage.pool_slots import PoolSlotStore
from headwater.storage.run_queue import RunQueueStore

PROJECT = """
import os
import time
from pathlib import Path

import headwater as hw

RUNNING = Path(os.environ["HW_TEST_DIR"])


def _busy(name: str) -> int:
    mine = RUNNING / f"{name}-{os.getpid()}.running"
    mine.write_text("")
    seen = len(list(RUNNING.glob("*.running")))
    with (RUNNING / "seen.log").open("a") as log:
        log.write(f"{seen}\\n")
    time.sleep(0.5)
    mine.unlink()
    return 1


@hw.asset(pool="warehouse")
def load_a() -> int:
    return _busy("a")


@hw.asset(pool="warehouse")
def load_b() -> int:
    return _busy("b")


@hw.multi_asset(outs={"left": None, "right": None}, pool="warehouse")
def split() -> tuple[int, int]:
    return _busy("split"), 1


defs = hw.Definitions(assets=[load_a, load_b, split])
"""


def _run_two_at_once(tmp_path: Path, limit: int) -> list[int]:
    (tmp_path / "defs.py").write_text(PROJECT)
    (tmp_path / "headwater.toml").write_text(f"[runs.pools]\nwarehouse = {limit}\n")
    running = tmp_path / "running"
    running.mkdir()
    env = {**os.environ, "HW_TEST_DIR": str(running), "HEADWATER_HOME": str(tmp_path / ".headwater")}
    env.pop("HEADWATER_STORAGE_URL", None)
    command = [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", "defs.py"]
    command += ["--executor", "multiprocess", "--workers", "3"]
    processes = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    return [int(line) for line in (running / "seen.log").read_text().split()]


def test_one_step_of_the_pool_at_a_time_across_runs(tmp_path: Path) -> None:
    seen = _run_two_at_once(tmp_path, limit=1)
    assert len(seen) == 6  # three steps in each of the two runs
    assert max(seen) == 1
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / ".headwater"))) as instance:
        assert PoolSlotStore(instance.storage).in_use() == {}
        assert len(instance.storage.list_runs()) == 2


def test_a_limit_of_two(tmp_path: Path) -> None:
    seen = _run_two_at_once(tmp_path, limit=2)
    assert len(seen) == 6 and max(seen) <= 2


def test_pool_names_and_limits_are_checked(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        hw.asset(name="x", pool="ware house")(lambda: 1)
    assert str(raised.value) == (
        "asset 'x': pool='ware house' must be a name of letters, digits, '_', '-' and '.', e.g. pool='warehouse' "
        "(its limit is set in headwater.toml: [runs.pools] warehouse = 2)"
    )
    (tmp_path / "headwater.toml").write_text("[runs.pools]\nwarehouse = 0\n")
    with pytest.raises(ConfigError) as bad:
        load_config(tmp_path)
    assert "runs.pools.warehouse: Input should be greater than or equal to 1" in str(bad.value)


def test_a_run_canceled_while_waiting_for_a_slot_ends(tmp_path: Path) -> None:
    @hw.asset(pool="warehouse")
    def load() -> int:
        return 1

    config = hw.InstanceConfig(home=str(tmp_path / ".headwater"), runs=RunsConfig(pools={"warehouse": 1}))
    with hw.Instance.from_config(config) as instance:
        # Another run holds the only slot.
        instance.storage.add_run(hw.RunRecord(run_id="holder"))
        instance.storage.store_events([Event(run_id="holder", type=EventType.RUN_STARTED)])
        assert PoolSlotStore(instance.storage).try_acquire("warehouse", 1, run_id="holder", step_key="x") is not None
        results: list[hw.RunResult] = []

        def run() -> None:
            results.append(instance.materialize(hw.Definitions(assets=[load]), run_id="waiting"))

        thread = threading.Thread(target=run)
        thread.start()
        RunQueueStore(instance.storage).request_cancel("waiting")
        thread.join(60)
        assert not thread.is_alive()
        (result,) = results  # canceled is not an error: materialize returns
        message = "the run was canceled while the step waited for a slot of pool 'warehouse'"
        assert result.run.status is hw.RunStatus.CANCELED and not result.success
        assert [e.data["reason"] for e in result.events if e.type is EventType.STEP_SKIPPED] == [message]
        assert result.events[-1].type is EventType.RUN_CANCELED
        record = instance.storage.get_run("waiting")
        assert record is not None and record.status is hw.RunStatus.CANCELED
        assert hw.AssetKey("load") not in instance.latest_materializations()
        assert PoolSlotStore(instance.storage).in_use() == {"warehouse": 1}  # only the holder's
