"""Sensors add and delete dynamic partitions before the runs they request."""

from __future__ import annotations

import pytest

import headwater as hw
from headwater.automation import Daemon
from headwater.errors import DefinitionError
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore

CUSTOMERS = hw.DynamicPartitions("customers")


@hw.asset(partitions=CUSTOMERS)
def profile(context: hw.Context) -> str:
    return str(context.partition_key)


def test_sensor_adds_partitions_and_requests_runs_for_them(instance: hw.Instance) -> None:
    instance.add_dynamic_partitions("customers", ["gone"])

    @hw.sensor(select="profile", interval=10)
    def new_customers() -> hw.SensorResult:
        return hw.SensorResult(
            dynamic_partitions_requests=[
                hw.DynamicPartitionsRequest(CUSTOMERS, add=["acme", "globex"], delete=["gone"])
            ],
            run_requests=[hw.RunRequest(partition="acme", run_key="acme")],
        )

    defs = hw.Definitions(assets=[profile], sensors=[new_customers])
    Daemon(instance.storage, defs, launch=False).tick(now=100.0)
    assert instance.storage.dynamic_partitions("customers") == {"customers": ["acme", "globex"]}
    [queued] = RunQueueStore(instance.storage).queue(launched=False)
    assert queued.run.partition == "acme"
    [tick] = AutomationStore(instance.storage).list_ticks("new_customers")
    assert tick.data["dynamic_partitions"] == [{"name": "customers", "added": ["acme", "globex"], "deleted": ["gone"]}]
    assert hw.materialize(defs, partition="globex", instance=instance).value_of("profile") == "globex"


def test_bad_requests_are_definition_errors() -> None:
    with pytest.raises(DefinitionError, match=r"add= must be a list of keys, e.g. add=\['acme'\]"):
        hw.DynamicPartitionsRequest("customers", add="acme")
    with pytest.raises(
        DefinitionError, match=r"dynamic_partitions_requests item 0 is str, not hw.DynamicPartitionsRequest"
    ):
        hw.SensorResult(dynamic_partitions_requests=["acme"])  # type: ignore[list-item]
