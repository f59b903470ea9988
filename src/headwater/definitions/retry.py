"""``hw.Retry``: how often and how patiently a failed step is tried again.

Pure data; the scheduling loop applies it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from headwater.errors import DefinitionError


@dataclass(frozen=True, kw_only=True)
class Retry:
    """Retry a failed step up to ``max_retries`` times.

    The n-th retry waits ``delay * backoff ** (n - 1)`` seconds, plus up to
    ``jitter`` times that at random, so many failing steps do not retry in step.
    """

    max_retries: int = 1
    delay: float = 0.0
    backoff: float = 1.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            problems.append(f"max_retries={self.max_retries!r} must be a whole number >= 0")
        if self.delay < 0:
            problems.append(f"delay={self.delay!r} must be >= 0 seconds")
        if self.backoff < 1:
            problems.append(f"backoff={self.backoff!r} must be >= 1 (1 keeps the delay constant)")
        if not 0 <= self.jitter <= 1:
            problems.append(f"jitter={self.jitter!r} must be between 0 and 1")
        if problems:
            raise DefinitionError(f"hw.Retry: {'; '.join(problems)}")

    def wait_before(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        base = self.delay * self.backoff ** (retry - 1)
        return base + base * self.jitter * random.random()
