"""Queuing a re-execution: a QUEUED run of what the parent did not complete, naming its parent,
with the parent's partition, config and tags."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.definitions import CodeLocation
from headwater.instance.queue import submit_reexecution, submit_run
from headwater.instance.reexecute import PARENT_TAG, ROOT_TAG, ReexecutionError
from headwater.keys import AssetKey
from headwater.storage.run_queue import RunQueueStore


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as inst:
        yield inst


def _defs() -> hw.Definitions:
    @hw.asset
    def raw() -> int:
        return 1

    @hw.asset
    def clean(raw: int) -> int:
        raise RuntimeError("the source is down")

    defs = hw.Definitions(assets=[raw, clean])
    return dataclasses.replace(defs, location=CodeLocation(file="defs.py"))  # queued runs need a location


def test_a_queued_reexecution_names_its_parent(instance: hw.Instance) -> None:
    defs = _defs()
    failed = instance.materialize(defs, tags={"team": "data"})
    assert not failed.success
    queued = submit_reexecution(instance, defs, failed.run_id, tags={"why": "retry"}, run_id="again")
    assert queued.run_id == "again" and queued.parent_run_id == failed.run_id
    assert queued.asset_keys == (AssetKey("clean"),)
    assert queued.tags == {"team": "data", PARENT_TAG: failed.run_id, ROOT_TAG: failed.run_id, "why": "retry"}
    stored = instance.storage.get_run("again")
    assert stored is not None and stored.status is hw.RunStatus.QUEUED and stored.parent_run_id == failed.run_id
    assert [q.run.run_id for q in RunQueueStore(instance.storage).queue(launched=False)] == ["again"]


def test_a_run_with_nothing_left_is_not_queued_again(instance: hw.Instance) -> None:
    defs = _defs()
    done = instance.materialize(defs, "raw")
    with pytest.raises(ReexecutionError, match=f"run '{done.run_id}' succeeded, so there is no failure"):
        submit_reexecution(instance, defs, done.run_id)
    assert RunQueueStore(instance.storage).queue() == []
    assert submit_run(instance, defs, "raw", run_id="chosen").run_id == "chosen"
