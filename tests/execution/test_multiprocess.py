"""The multiprocess executor on real spawned worker processes."""

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.events import EventType

PROJECT = """
import os
import headwater as hw

@hw.asset
def source() -> list[int]:
    print("source in", os.getpid())
    return list(range(10))

@hw.asset
def left(context: hw.Context, source: list[int]) -> dict:
    context.log.info("left in %s", os.getpid())
    return {"sum": sum(source), "pid": os.getpid()}

@hw.asset
def right(source: list[int]) -> dict:
    return {"max": max(source), "pid": os.getpid()}

@hw.asset
def joined(left: dict, right: dict) -> int:
    return left["sum"] + right["max"]

@hw.asset
def crash(source: list[int]) -> int:
    if os.environ.get("HW_TEST_CRASH") == "1":
        os._exit(3)
    return 1

defs = hw.Definitions(assets=[source, left, right, joined, crash],
                      executor=hw.MultiprocessExecutor(max_workers=2))
"""


@pytest.fixture
def project(tmp_path: Path) -> Any:
    path = tmp_path / "project.py"
    path.write_text(textwrap.dedent(PROJECT))
    defs = hw.load_definitions(hw.find_location(file=path))
    instance = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home")))
    yield defs, instance
    instance.close()


def test_runs_steps_in_worker_processes(project: Any) -> None:
    defs, instance = project
    result = instance.materialize(defs, "source left right joined")
    assert result.success, result.events
    assert result.value_of("joined") == 45 + 9
    pids = {result.value_of("left")["pid"], result.value_of("right")["pid"]}
    assert os.getpid() not in pids
    logs = {r.step_key: r.text for r in instance.storage.get_logs(result.run_id)}
    assert "source in" in logs["source"]
    assert "INFO left in" in logs["left"]
    # the pool is reused by the next run: the same two worker processes ran every step of both runs
    again = instance.materialize(defs, "left right")
    assert len(pids | {again.value_of("left")["pid"], again.value_of("right")["pid"]}) <= 2


def test_worker_death_fails_the_step_and_the_pool_recovers(project: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    defs, instance = project
    monkeypatch.setenv("HW_TEST_CRASH", "1")
    result = instance.materialize(defs, "source crash")
    assert not result.success
    failed = result.of_type(EventType.STEP_FAILED)
    assert [e.step_key for e in failed] == ["crash"]
    assert "could not run in the executor" in failed[0].data["error"]
    assert hw.AssetKey("crash") not in instance.storage.latest("materialization")
    monkeypatch.setenv("HW_TEST_CRASH", "0")
    assert instance.materialize(defs, "source crash").success


def test_needs_a_code_location_and_shared_storage(tmp_path: Path) -> None:
    @hw.asset
    def alone() -> int:
        return 1

    defs = hw.Definitions(assets=[alone], executor=hw.MultiprocessExecutor(max_workers=2))
    with (
        hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance,
        pytest.raises(hw.ConfigError, match="needs definitions loaded from a module or file"),
    ):
        instance.materialize(defs)
    path = tmp_path / "p.py"
    path.write_text(textwrap.dedent(PROJECT))
    loaded = hw.load_definitions(hw.find_location(file=path))
    with pytest.raises(hw.ConfigError, match="needs an IO manager that processes share"):
        hw.materialize(loaded)
