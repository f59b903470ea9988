"""The progress bar counts finished steps from batches of events (success is implicit in materializations)."""

from __future__ import annotations

from headwater.cli.materialize import StepProgress
from headwater.events import Event, EventType
from headwater.execution.loop import Batch
from headwater.keys import AssetKey


def _event(kind: EventType, step: str, key: str | None = None) -> Event:
    return Event(run_id="r", type=kind, step_key=step, asset_key=AssetKey(key) if key else None)


def test_counts_each_step_once_and_tracks_running_steps() -> None:
    progress = StepProgress(4, enabled=False)
    with progress:
        progress.on_batch(Batch(events=[_event(EventType.STEP_STARTED, "split"), _event(EventType.STEP_STARTED, "a")]))
        assert progress.running == ["split", "a"] and not progress.done
        progress.on_batch(
            Batch(
                events=[
                    _event(EventType.ASSET_MATERIALIZED, "split", "left"),
                    _event(EventType.ASSET_MATERIALIZED, "split", "right"),
                    _event(EventType.STEP_FAILED, "a"),
                    _event(EventType.STEP_SKIPPED, "b"),
                ]
            )
        )
        progress.on_batch(Batch(events=[_event(EventType.STEP_STARTED, "c"), _event(EventType.STEP_SUCCEEDED, "c")]))
    assert progress.done == {"split", "a", "b", "c"}
    assert progress.running == []
