"""Write, audit, publish: the run's side of values held back until their checks pass.

A step stages such values (``ASSET_STAGED``) and evaluates their checks; when none of its blocking
checks failed, the ``Publisher`` records the publication (``ASSET_PUBLISHED`` and the
``ASSET_MATERIALIZED`` every reader of "the latest value" uses), commits it, and only then has the
IO manager make the staged values the stored ones. A kill before the commit leaves the old value
and the staged one; a kill after it leaves a publication the next read that expects the recorded
hash completes. Assets of one ``hw.PublishGroup`` wait for each other: all of the group that the
run makes is published together, or none of it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from headwater.definitions.publish import PublishGroup
from headwater.events import Event, EventType, StagedSettled
from headwater.execution.step import StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.plan import Plan
from headwater.io import IOManager
from headwater.io.base import no_staging
from headwater.io.staging import publish_staged
from headwater.keys import AssetKey


@dataclass(kw_only=True)
class Settled:
    """What a step's finish settled: steps whose values are now published (their downstream may go
    on) and steps held back with the reason (their downstream is skipped)."""

    published: list[str] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    """Steps that passed and wait for the rest of their group, with the group's steps (which may run)."""


@dataclass(kw_only=True)
class _Waiting:
    group: PublishGroup
    steps: set[str]
    """The plan's steps that make a member of the group."""
    passed: dict[str, StepOutcome] = field(default_factory=dict)
    failed: str | None = None


class Publisher:
    """Publishes the values a run staged, as their steps pass their checks (one per run).

    ``write`` queues events in the run's log and ``flush`` commits everything queued; ``io_for``
    gives each asset's IO manager in the run's process.
    """

    def __init__(
        self,
        graph: AssetGraph,
        plan: Plan,
        io_for: Callable[[AssetKey], IOManager],
        write: Callable[[Sequence[Event]], None],
        flush: Callable[[], None],
    ) -> None:
        self.graph = graph
        self.io_for = io_for
        self.write = write
        self.flush = flush
        self._groups: dict[str, _Waiting] = {}
        groups = graph.publishing.groups
        for step in plan.steps.values():
            for key in step.asset_keys:
                group = groups.get(key)
                if group is not None:
                    waiting = self._groups.setdefault(group.name, _Waiting(group=group, steps=set()))
                    waiting.steps.add(step.key)
        self._staged: dict[tuple[AssetKey, str | None], str] = {}

    def group_of(self, step_key: str, keys: Iterable[AssetKey]) -> str | None:
        """The publish group a step's assets belong to (None: not grouped)."""
        for key in keys:
            group = self.graph.publishing.groups.get(key)
            if group is not None:
                return group.name
        return None

    def staged_inputs(self) -> Mapping[tuple[AssetKey, str | None], str]:
        """(Key, partition) -> token of values staged and not yet published: a step of the same
        publish group reads these, not the values readers see."""
        return dict(self._staged)

    def passed(self, step_key: str, outcome: StepOutcome) -> Settled:
        """A step whose staged values passed their checks: publish them (or its whole group, once
        every step of the group in the run passed)."""
        name = self.group_of(step_key, (item.key for item in outcome.staged))
        if name is None:
            self._publish([outcome])
            return Settled(published=[step_key])
        waiting = self._groups[name]
        if waiting.failed is not None:
            return Settled(held=[(step_key, self._held_reason(waiting))])
        waiting.passed[step_key] = outcome
        for item in outcome.staged:
            self._staged[(item.key, item.partition)] = item.token
        if set(waiting.passed) != waiting.steps:
            return Settled(waiting=[(step_key, frozenset(waiting.steps))])
        self._publish(list(waiting.passed.values()))
        for item in (i for o in waiting.passed.values() for i in o.staged):
            self._staged.pop((item.key, item.partition), None)
        del self._groups[name]
        return Settled(published=list(waiting.passed))

    def failed(self, step_key: str, keys: Iterable[AssetKey], why: str) -> Settled:
        """A step of the run failed, had a blocking check fail or was skipped: if it belongs to a
        publish group, the group's other steps that passed are held back too."""
        name = self.group_of(step_key, keys)
        waiting = self._groups.get(name) if name is not None else None
        if waiting is None or waiting.failed is not None:
            return Settled()
        waiting.failed = f"step '{step_key}' {why}"
        held = [(step, self._held_reason(waiting)) for step in waiting.passed]
        self._hold(list(waiting.passed.values()))
        waiting.passed.clear()
        return Settled(held=held)

    def unfinished(self) -> Settled:
        """At the end of the run: steps still waiting for the rest of their group are held back."""
        held = [
            (step, f"publish group '{w.group.name}' did not finish in this run")
            for w in self._groups.values()
            for step in w.passed
        ]
        self._hold([o for w in self._groups.values() for o in w.passed.values()])
        self._groups.clear()
        return Settled(held=held)

    def _hold(self, outcomes: Sequence[StepOutcome]) -> None:
        """Record the checks of values that stay staged (their group did not pass)."""
        for outcome in outcomes:
            for item in outcome.staged:
                self._staged.pop((item.key, item.partition), None)
        self.write([e for o in outcomes for e in o.events if e.type is EventType.CHECK_EVALUATED])

    @staticmethod
    def _held_reason(waiting: _Waiting) -> str:
        return f"publish group '{waiting.group.name}' was held back: {waiting.failed}"

    def _publish(self, outcomes: Sequence[StepOutcome]) -> None:
        staged_events = {
            (e.asset_key, e.partition): e for o in outcomes for e in o.events if e.type is EventType.ASSET_STAGED
        }
        items = [item for o in outcomes for item in o.staged]
        now = time.time()
        events: list[Event] = []
        for item in items:
            staged = staged_events[(item.key, item.partition)]
            settled = StagedSettled(staged_run=item.token).to_data()
            events.append(dataclasses.replace(staged, type=EventType.ASSET_PUBLISHED, timestamp=now, data=settled))
            events.append(dataclasses.replace(staged, type=EventType.ASSET_MATERIALIZED, timestamp=now))
        events.extend(e for o in outcomes for e in o.events if e.type is EventType.CHECK_EVALUATED)
        self.write(events)
        self.flush()  # recorded (and the staged files synced) before anything readers see changes
        publish_staged(self.io_for, items)


def check_staging(graph: AssetGraph, plan: Plan, io_for: Callable[[AssetKey], IOManager]) -> None:
    """Refuse a run that would hold back a value its IO manager cannot stage (the instance's default
    manager is known only here, not when the graph is checked)."""
    held = graph.publishing.after_checks
    for step in plan.steps.values():
        for key in step.asset_keys:
            if key in held and not io_for(key).supports_staging:
                raise no_staging(io_for(key), key)
