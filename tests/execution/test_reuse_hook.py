"""The scheduling loop's reuse hook: a step it answers for is never submitted, started or given a pool
slot, its outcome is recorded as it is, and its downstream goes on as after a success."""

from __future__ import annotations

from concurrent.futures import Future

import headwater as hw
from headwater.events import UNCHANGED, Event, EventType, StepSkipped
from headwater.execution.loop import PlanExecution
from headwater.execution.slots import Release
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.plan import Plan, plan
from headwater.keys import AssetKey


class CountedSlots:
    """Every step needs a slot of pool 'p'; counts the slots taken and given back."""

    def __init__(self) -> None:
        self.taken = 0
        self.given_back = 0

    def pool_of(self, step_key: str) -> str | None:
        return "p"

    def try_acquire(self, step_key: str) -> Release | None:
        self.taken += 1
        return self._give_back

    def _give_back(self) -> None:
        self.given_back += 1


def _chain() -> Plan:
    @hw.asset(name="p_a")
    def p_a() -> int:
        return 1

    @hw.asset(name="p_b", ins={"up": "p_a"})
    def p_b(up: int) -> int:
        return up

    @hw.asset(name="p_c", ins={"up": "p_b"})
    def p_c(up: int) -> int:
        return up

    graph = AssetGraph.from_definitions(hw.Definitions(assets=[p_a, p_b, p_c]))
    return plan(graph, graph.keys)


def _unchanged(key: str) -> StepOutcome:
    skipped = StepSkipped(reason=UNCHANGED, asset_keys=(AssetKey.parse(key),))
    event = Event(run_id="r", type=EventType.STEP_SKIPPED, step_key=key, data=skipped.to_data())
    return StepOutcome(step_key=key, events=[event], logs="")


def test_reused_steps_are_not_submitted_and_release_their_downstream() -> None:
    submitted: list[str] = []
    asked: list[str] = []

    def submit(key: str) -> Future[StepOutcome]:
        submitted.append(key)
        future: Future[StepOutcome] = Future()
        future.set_result(StepOutcome(step_key=key, events=[], logs=""))
        return future

    def reuse(key: str) -> StepOutcome | None:
        asked.append(key)
        return _unchanged(key) if key in ("p_a", "p_c") else None

    slots = CountedSlots()
    execution = PlanExecution(plan=_chain(), spec=RunSpec(run_id="r"), submit=submit, slots=slots, reuse=reuse)
    events = [event for batch in execution for event in batch.events]
    assert submitted == ["p_b"]
    assert asked == ["p_a", "p_b", "p_c"]  # once each, in order
    assert execution.unchanged == ["p_a", "p_c"]
    assert execution.succeeded == ["p_b"] and not execution.skipped and not execution.failed
    assert [(e.type, e.step_key) for e in events] == [
        (EventType.STEP_SKIPPED, "p_a"),
        (EventType.STEP_STARTED, "p_b"),
        (EventType.STEP_SUCCEEDED, "p_b"),
        (EventType.STEP_SKIPPED, "p_c"),
    ]
    assert slots.taken == 1 and slots.given_back == 1  # only the step that ran held a slot
