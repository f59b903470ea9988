"""Group commits: events reach storage within the flush interval, even during a long step."""

import time
from pathlib import Path

import headwater as hw
from headwater.events import EventType
from headwater.execution.event_writer import EventWriter


def test_a_long_steps_start_is_visible_while_it_runs(tmp_path: Path) -> None:
    instance = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    seen: list[list[str]] = []

    @hw.asset
    def slow(context: hw.Context) -> int:
        time.sleep(0.2)
        records = instance.storage.get_events(context.run_id)
        seen.append([r.event.type.value for r in records])
        return 1

    with instance:
        assert instance.materialize(hw.Definitions(assets=[slow])).success
    assert seen == [[EventType.RUN_STARTED.value, EventType.STEP_STARTED.value]]


def test_flush_writes_one_batch_and_close_writes_the_rest(tmp_path: Path) -> None:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        writer = EventWriter(instance.storage, "r1", interval=60)
        instance.storage.add_run(
            hw.RunRecord(run_id="r1", status=hw.RunStatus.STARTED)
        )  # claimed: the writer writes for a started run
        writer.add([hw.Event(run_id="r1", type=EventType.RUN_STARTED)], [("step", "hello\n")])
        assert instance.storage.get_events("r1") == []  # not yet: the interval is long
        writer.add([hw.Event(run_id="r1", type=EventType.RUN_SUCCEEDED)])
        writer.close()
        assert [r.event.type for r in instance.storage.get_events("r1")] == [
            EventType.RUN_STARTED,
            EventType.RUN_SUCCEEDED,
        ]
        assert [r.text for r in instance.storage.get_logs("r1")] == ["hello\n"]
        assert instance.storage.get_run("r1").status is hw.RunStatus.SUCCEEDED  # type: ignore[union-attr]
