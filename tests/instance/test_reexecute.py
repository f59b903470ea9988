"""Re-executing a run: from failure runs only what did not complete, reusing stored values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.instance.reexecute import PARENT_TAG, ROOT_TAG, ReexecutionError


@pytest.fixture
def instance(tmp_path: Path) -> Any:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def _defs(calls: list[str], broken: dict[str, bool]) -> hw.Definitions:
    @hw.asset
    def raw() -> int:
        calls.append("raw")
        return 1

    @hw.asset
    def clean(raw: int) -> int:
        calls.append("clean")
        if broken.get("clean"):
            raise RuntimeError("the source is down")
        return raw + 1

    @hw.asset
    def side(raw: int) -> int:
        calls.append("side")
        return raw * 10

    @hw.asset
    def report(clean: int, side: int) -> int:
        calls.append("report")
        return clean + side

    return hw.Definitions(assets=[raw, clean, side, report])


def test_from_failure_runs_only_what_did_not_complete(instance: Any) -> None:
    calls: list[str] = []
    broken = {"clean": True}
    defs = _defs(calls, broken)
    first = instance.materialize(defs, config=None, tags={"team": "data"})
    assert not first.success and sorted(calls) == ["clean", "raw", "side"]
    broken["clean"] = False
    calls.clear()
    again = instance.reexecute(defs, first.run_id)
    assert again.success, again.run.error
    assert sorted(calls) == ["clean", "report"]  # raw and side came from the first run's stored values
    assert again.value_of("report") == 12
    assert again.run.parent_run_id == first.run_id
    assert again.run.tags == {"team": "data", PARENT_TAG: first.run_id, ROOT_TAG: first.run_id}
    assert {k.to_string() for k in again.run.asset_keys} == {"clean", "report"}
    with pytest.raises(ReexecutionError, match=r"succeeded, so there is no failure to re-execute from"):
        instance.reexecute(defs, again.run_id)
    calls.clear()
    everything = instance.reexecute(defs, again.run_id, from_failure=False)
    assert everything.success and sorted(calls) == ["clean", "report"]
    assert everything.run.tags[ROOT_TAG] == first.run_id  # the chain keeps its first run


def test_blocking_check_failure_reruns_the_checked_asset(instance: Any) -> None:
    state = {"ok": False}

    @hw.asset
    def table() -> int:
        return 1

    @hw.check(asset=table, blocking=True)
    def positive(table: int) -> hw.CheckResult:
        return hw.CheckResult(passed=state["ok"])

    @hw.asset
    def downstream(table: int) -> int:
        return table + 1

    defs = hw.Definitions(assets=[table, downstream], checks=[positive])
    first = instance.materialize(defs)
    assert not first.success
    state["ok"] = True
    again = instance.reexecute(defs, first.run_id)
    assert again.success and {k.to_string() for k in again.run.asset_keys} == {"table", "downstream"}


def test_partitioned_run_keeps_its_partition(instance: Any) -> None:
    broken = {"on": True}

    @hw.asset(partitions=hw.StaticPartitions(["us", "eu"]))
    def sales(context: hw.Context) -> str:
        return f"sales-{context.partition_key}"

    @hw.asset(partitions=hw.StaticPartitions(["us", "eu"]))
    def summary(sales: str) -> str:
        if broken["on"]:
            raise ValueError("not yet")
        return sales.upper()

    defs = hw.Definitions(assets=[sales, summary])
    first = instance.materialize(defs, partition="eu")
    assert not first.success
    broken["on"] = False
    again = instance.reexecute(defs, first.run_id)
    assert again.success and again.run.partition == "eu"
    assert again.value_of("summary") == "SALES-EU"


def test_errors_name_the_run_and_the_fix(instance: Any) -> None:
    calls: list[str] = []
    defs = _defs(calls, {})
    with pytest.raises(ReexecutionError, match=r"no run with id 'nope' in .*`headwater runs list` shows run ids"):
        instance.reexecute(defs, "nope")
    done = instance.materialize(defs, "raw")
    with pytest.raises(ReexecutionError, match=r"there is no failure to re-execute from; re-execute it without"):
        instance.reexecute(defs, done.run_id)
    failed = instance.materialize(_defs(calls, {"clean": True}))
    smaller = hw.Definitions(assets=[a for a in _defs(calls, {}).assets if a.key.to_string() != "report"])
    with pytest.raises(ReexecutionError, match=r"no longer defined: report; re-execute a run of the current"):
        instance.reexecute(smaller, failed.run_id)
    instance.storage.add_run(hw.RunRecord(run_id="waiting", asset_keys=(hw.AssetKey("raw"),)))
    with pytest.raises(ReexecutionError, match=r"run 'waiting' is queued: only a finished run can be re-executed"):
        instance.reexecute(defs, "waiting")
