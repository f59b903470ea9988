"""Source assets with observe_interval: the daemon observes them when due and retries failures."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

import headwater as hw
from headwater.automation.daemon import Daemon
from headwater.automation.observation import due_observations
from headwater.events import EventType
from headwater.graph import AssetGraph

ANSWERS: list[object] = []


def look() -> object:
    answer = ANSWERS.pop(0)
    if isinstance(answer, Exception):
        raise answer
    return answer


def project() -> hw.Definitions:
    export = hw.SourceAsset("shop/export", observe=look, observe_interval=timedelta(minutes=10))
    manual = hw.SourceAsset("manual", observe=lambda: "m1")  # observed only by `headwater observe`

    @hw.asset(deps=["shop/export"])
    def cleaned() -> int:
        return 1

    return hw.Definitions(assets=[export, manual, cleaned])


def observations(instance: hw.Instance) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for run in reversed(instance.storage.list_runs(limit=100)):
        for record in instance.storage.get_events(run.run_id):
            event = record.event
            if event.type is EventType.ASSET_OBSERVED:
                out.append(("observed", event.data["data_version"]))
            elif event.type is EventType.STEP_FAILED:
                out.append(("failed", event.data["error"]))
    return out


def test_daemon_observes_when_due_and_retries_a_failure_next_tick(instance: hw.Instance) -> None:
    ANSWERS[:] = ["v1", OSError("bucket unreachable"), "v2"]
    daemon = Daemon(instance.storage, project(), launch=False)
    start = time.time()
    first = daemon.tick(now=start)
    assert first.observed is not None and first.observed["observed"] == ["shop/export"]
    assert daemon.tick(now=start + 60).observed is None  # observed a minute ago: not due
    failed = daemon.tick(now=start + 601)
    assert failed.observed is not None
    assert failed.observed["failed"] == {"shop/export": "observing 'shop/export' raised OSError: bucket unreachable"}
    retried = daemon.tick(now=start + 602)  # the next tick retries, without waiting ten minutes
    assert retried.observed is not None and retried.observed["observed"] == ["shop/export"]
    assert observations(instance) == [
        ("observed", "v1"),
        ("failed", "observing 'shop/export' raised OSError: bucket unreachable"),
        ("observed", "v2"),
    ]
    assert ANSWERS == []
    run = instance.storage.get_run(failed.observed["run_id"])
    assert run is not None and run.status.value == "failed"
    assert run.tags["headwater/automation"] == "observe"
    assert instance.status(project()).state(hw.AssetKey("shop", "export")).data_version == "v2"


def test_due_observations_read_the_event_log(instance: hw.Instance) -> None:
    ANSWERS[:] = ["v1"]
    graph = AssetGraph.from_definitions(project())
    now = time.time()
    assert due_observations(instance.storage, graph, now) == (hw.AssetKey("shop", "export"),)
    Daemon(instance.storage, project(), launch=False).tick(now=now)
    assert due_observations(instance.storage, graph, now + 599) == ()
    assert due_observations(instance.storage, graph, now + 600) == (hw.AssetKey("shop", "export"),)


def test_observe_interval_errors() -> None:
    with pytest.raises(hw.DefinitionError, match=r"source asset 'raw': observe_interval= needs observe=fn"):
        hw.SourceAsset("raw", observe_interval=timedelta(minutes=5))
    with pytest.raises(
        hw.DefinitionError,
        match=r"source asset 'raw': observe_interval= takes a positive timedelta such as timedelta\(minutes=5\), "
        r"got 300",
    ):
        hw.SourceAsset("raw", observe=look, observe_interval=300)  # type: ignore[arg-type]
    with pytest.raises(hw.DefinitionError, match=r"got datetime.timedelta\(0\)"):
        hw.SourceAsset("raw", observe=look, observe_interval=timedelta(0))
