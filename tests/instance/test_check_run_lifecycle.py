"""A check-only run has the lifecycle of every run (the run driver's): a cancel request stops it
between assets and it ends canceled; an interruption ends it failed, naming the step it was in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.events import EventType, RunStatus
from headwater.storage.run_queue import RunQueueStore


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / ".headwater"))) as opened:
        yield opened


@hw.asset
def first() -> int:
    return 1


@hw.asset
def second() -> int:
    return 2


def test_a_check_run_canceled_between_assets_ends_canceled(instance: hw.Instance) -> None:
    @hw.check(asset=first)
    def cancels_its_run(context: hw.Context, first: int) -> hw.CheckResult:
        RunQueueStore(instance.storage).request_cancel(context.run_id)
        time.sleep(1.2)  # the writer's heartbeat (every 0.5 s) brings the request back
        return hw.CheckResult(passed=True)

    @hw.check(asset=second)
    def never_runs(second: int) -> hw.CheckResult:
        raise AssertionError("the run was canceled before this check")

    defs = hw.Definitions(assets=[first, second], checks=[cancels_its_run, never_runs])
    assert instance.materialize(defs, "first").success
    assert instance.materialize(hw.Definitions(assets=[first, second]), "second").success
    result = instance.run_checks(defs)
    assert result.run.status is RunStatus.CANCELED
    types = [(e.type, e.step_key) for e in result.events]
    assert (EventType.STEP_SKIPPED, "second") in types
    assert not any(e.type is EventType.CHECK_EVALUATED and e.step_key == "second" for e in result.events)
    stored = instance.storage.get_run(result.run_id)
    assert stored is not None and stored.status is RunStatus.CANCELED


def test_an_interrupted_check_run_ends_failed_with_its_step(instance: hw.Instance) -> None:
    @hw.check(asset=first)
    def interrupted(first: int) -> hw.CheckResult:
        raise KeyboardInterrupt

    defs = hw.Definitions(assets=[first], checks=[interrupted])
    assert hw.materialize(hw.Definitions(assets=[first]), instance=instance).success
    with pytest.raises(KeyboardInterrupt):
        instance.run_checks(defs)
    [run] = [r for r in instance.storage.list_runs() if r.tags.get("headwater/kind") == "checks"]
    assert run.status is RunStatus.FAILED
    assert run.error == "the run was interrupted: KeyboardInterrupt"
    [failed] = instance.storage.get_events(run.run_id, types=[EventType.STEP_FAILED])
    assert failed.event.step_key == "first" and failed.event.data["asset_keys"] == ["first"]
