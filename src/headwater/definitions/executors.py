"""Executor choices a user declares; the execution layer turns each into a pool.

Pure data: no processes or clusters are started here.
"""

from __future__ import annotations

from dataclasses import dataclass

from headwater.errors import DefinitionError


@dataclass(frozen=True, kw_only=True)
class InProcessExecutor:
    """Run steps one after another in the calling process (the default)."""


@dataclass(frozen=True, kw_only=True)
class MultiprocessExecutor:
    """Run steps in a reused pool of worker processes, each loading user code once."""

    max_workers: int | None = None

    def __post_init__(self) -> None:
        if self.max_workers is not None and self.max_workers < 1:
            raise DefinitionError(f"MultiprocessExecutor(max_workers={self.max_workers}): use 1 or more")


ExecutorSpec = InProcessExecutor | MultiprocessExecutor
