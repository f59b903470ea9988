"""What the scheduling loop asks before it submits a step that needs a concurrency slot.

An interface only: the loop never blocks on a slot and never knows where slots are kept
(``instance.pool_limits`` keeps them in the event log).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Release = Callable[[], None]

SLOT_POLL_START = 0.02
SLOT_POLL_MAX = 0.5
"""Seconds between tries for a full pool's slot while nothing of the run completes (doubling)."""


class StepSlots(Protocol):
    """Slots of one run's steps: at most so many steps of a pool run at once."""

    def pool_of(self, step_key: str) -> str | None:
        """The pool whose slot the step needs, or None when it runs unlimited (no I/O)."""

    def try_acquire(self, step_key: str) -> Release | None:
        """Take a slot of the step's pool now; returns how to give it back, or None while the pool is full."""
