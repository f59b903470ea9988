"""The scheduling loop's slot hook: a step whose pool is full waits in line, each slot taken is
given back exactly once, and a canceled run skips the waiting steps without holding a slot."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

import headwater as hw
from headwater.events import EventType
from headwater.execution.loop import PlanExecution
from headwater.execution.slots import Release
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.plan import Plan, plan


class CountedSlots:
    """Slots of pool 'p' kept in memory: steps named 'p_*' need one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.most = 0
        self.taken = 0
        self.given_back = 0
        self._lock = threading.Lock()

    def pool_of(self, step_key: str) -> str | None:
        return "p" if step_key.startswith("p_") else None

    def try_acquire(self, step_key: str) -> Release | None:
        with self._lock:
            if self.held >= self.limit:
                return None
            self.held += 1
            self.taken += 1
            self.most = max(self.most, self.held)
        return self._give_back

    def _give_back(self) -> None:
        with self._lock:
            self.held -= 1
            self.given_back += 1


def _plan(*names: str) -> Plan:
    assets = [hw.asset(name=name)(lambda: 1) for name in names]
    graph = AssetGraph.from_definitions(hw.Definitions(assets=assets))
    return plan(graph, graph.keys)


def _succeeded(key: str) -> StepOutcome:
    return StepOutcome(step_key=key, events=[], logs="", failed=False)


def test_steps_of_a_full_pool_wait_in_line_and_give_each_slot_back_once() -> None:
    slots = CountedSlots(limit=1)
    the_plan = _plan("p_a", "p_b", "p_c", "free")
    with ThreadPoolExecutor(max_workers=4) as threads:
        execution = PlanExecution(
            plan=the_plan,
            spec=RunSpec(run_id="r"),
            submit=lambda key: threads.submit(_succeeded, key),
            max_concurrent=4,
            slots=slots,
        )
        events = [event for batch in execution for event in batch.events]
    assert sorted(execution.succeeded) == ["free", "p_a", "p_b", "p_c"]
    assert (slots.taken, slots.given_back, slots.held, slots.most) == (3, 3, 0, 1)
    assert [e.step_key for e in events if e.type is EventType.STEP_SKIPPED] == []


def test_a_slot_is_given_back_when_the_pool_refuses_the_step() -> None:
    slots = CountedSlots(limit=1)

    def submit(key: str) -> Future[StepOutcome]:
        raise RuntimeError(f"the pool is shut down, '{key}' cannot start")

    execution = PlanExecution(plan=_plan("p_a"), spec=RunSpec(run_id="r"), submit=submit, slots=slots)
    with pytest.raises(RuntimeError, match="the pool is shut down, 'p_a' cannot start"):
        list(execution)
    assert (slots.taken, slots.given_back, slots.held) == (1, 1, 0)


def test_a_canceled_run_skips_the_steps_waiting_for_a_slot() -> None:
    slots = CountedSlots(limit=0)  # the pool is full from the start
    asked: list[bool] = []

    def is_canceled() -> bool:
        asked.append(True)
        return len(asked) > 3  # the loop keeps looking while the step waits

    execution = PlanExecution(
        plan=_plan("p_a", "free"),
        spec=RunSpec(run_id="r"),
        submit=lambda key: _done(_succeeded(key)),
        slots=slots,
        is_canceled=is_canceled,
    )
    events = [event for batch in execution for event in batch.events]
    assert execution.canceled and execution.succeeded == ["free"]
    skipped = [(e.step_key, e.data["reason"]) for e in events if e.type is EventType.STEP_SKIPPED]
    assert skipped == [("p_a", "the run was canceled while the step waited for a slot of pool 'p'")]
    assert (slots.taken, slots.held) == (0, 0)


def _done(outcome: StepOutcome) -> Future[StepOutcome]:
    future: Future[StepOutcome] = Future()
    future.set_result(outcome)
    return future
