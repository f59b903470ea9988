"""A running step's output is stored while it runs (its log buffer is live), once, in order."""

from __future__ import annotations

import time
from pathlib import Path

import headwater as hw
from headwater.execution.capture import live_buffer, take_live


def test_a_steps_output_is_stored_before_the_step_ends(tmp_path: Path) -> None:
    instance = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    seen: list[str] = []

    @hw.asset
    def chatty(context: hw.Context) -> int:
        print("one")
        context.log.info("two")
        deadline = time.monotonic() + 30
        while not any("two" in chunk.text for chunk in instance.storage.get_logs(context.run_id)):
            assert time.monotonic() < deadline, "the output was not stored while the step ran"
            time.sleep(0.02)
        seen.append("".join(chunk.text for chunk in instance.storage.get_logs(context.run_id)))
        print("three")
        return 1

    with instance:
        result = instance.materialize(hw.Definitions(assets=[chatty]))
        assert result.success
        chunks = instance.storage.get_logs(result.run_id)
    assert seen[0].startswith("one\n") and "INFO two\n" in seen[0] and "three" not in seen[0]
    text = "".join(chunk.text for chunk in chunks)
    assert text.count("one\n") == 1 and text.count("INFO two") == 1 and text.endswith("three\n")
    assert len(chunks) >= 2 and [c.id for c in chunks] == sorted(c.id for c in chunks)


def test_a_live_buffer_gives_each_piece_once_and_the_rest_to_its_outcome() -> None:
    buffer = live_buffer("run-a", "step")
    buffer.write("first\n")
    assert take_live("run-a") == [("step", "first\n")]
    assert take_live("run-a") == []
    buffer.write("second\n")
    assert buffer.finish() == "second\n"
    buffer.write("late\n")
    assert take_live("run-a") == []  # a finished step is no longer taken from
    assert take_live("other-run") == []
