"""Declarative automation conditions on assets: ``hw.eager()``, ``hw.on_cron()``, ``hw.on_missing()``
and the building blocks they are made of, composable with ``&``, ``|`` and ``~``.

Pure data: a condition is a small frozen tree; the automation daemon evaluates it for every asset
at once from batched queries (``headwater.automation.conditions``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import Final

from headwater.definitions.cron import check_cron
from headwater.errors import DefinitionError

LEAVES: Final = {
    "missing": "the asset has never been materialized",
    "stale": "the asset is stale (its code or an upstream asset changed since it was materialized)",
    "upstream_updated_since_last": "an upstream asset was updated since this asset was last materialized or requested",
    "upstream_updated_since_cron": "every upstream asset was updated since the latest cron tick",
    "upstream_missing": "an upstream asset is missing and not requested in this tick",
    "in_progress": "the asset is in a queued or running run",
    "upstream_in_progress": "an upstream asset is in a queued or running run",
    "check_failed": "a check of the asset failed on its current value (error severity, latest evaluation)",
    "cron_tick_passed": "a cron tick passed since the asset was last materialized or requested",
    "not_updated_within": "an upstream asset (the asset itself when it has none) was not updated within the duration",
    "expected_by": "an upstream asset (the asset itself when it has none) was not updated by the latest cron tick",
}
"""The building blocks, with what each means when true."""

CRON_LEAVES: Final = frozenset({"cron_tick_passed", "upstream_updated_since_cron", "expected_by"})


@dataclass(frozen=True, kw_only=True, slots=True)
class AutomationCondition:
    """When the daemon should request an asset: a leaf (``op`` is the block's name) or ``and``/``or``/``not``.

    Combine with ``&``, ``|`` and ``~``; ``label`` names a composite in evaluation records
    (``eager``, ``on_cron``, ...).
    """

    op: str
    children: tuple[AutomationCondition, ...] = ()
    cron: str | None = None
    timezone: str = "UTC"
    label: str | None = None
    seconds: float | None = None
    """The duration of ``not_updated_within``."""

    def __and__(self, other: AutomationCondition) -> AutomationCondition:
        return AutomationCondition(op="and", children=(self, _checked(other, "&")))

    def __or__(self, other: AutomationCondition) -> AutomationCondition:
        return AutomationCondition(op="or", children=(self, _checked(other, "|")))

    def __invert__(self) -> AutomationCondition:
        return AutomationCondition(op="not", children=(self,))

    def with_label(self, label: str) -> AutomationCondition:
        """The same condition, named ``label`` in evaluation records."""
        return replace(self, label=label)

    def describe(self) -> str:
        """A short text form: ``missing & ~in_progress``."""
        if self.label is not None:
            return self.label
        if self.op == "not":
            return f"~{self.children[0].describe()}"
        if self.op in ("and", "or"):
            sign = " & " if self.op == "and" else " | "
            return "(" + sign.join(child.describe() for child in self.children) + ")"
        if self.seconds is not None:
            return f"{self.op}({timedelta(seconds=self.seconds)})"
        return f"{self.op}({self.cron!r})" if self.cron is not None else self.op

    def nodes(self) -> list[AutomationCondition]:
        """Every node of the tree in pre-order (iteratively: trees can be deep)."""
        out: list[AutomationCondition] = []
        stack = [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    # -- building blocks ---------------------------------------------------------------------------

    @staticmethod
    def missing() -> AutomationCondition:
        """True when the asset has never been materialized."""
        return AutomationCondition(op="missing")

    @staticmethod
    def stale() -> AutomationCondition:
        """True when the asset is stale (code changed or an upstream asset changed)."""
        return AutomationCondition(op="stale")

    @staticmethod
    def upstream_updated_since_last() -> AutomationCondition:
        """True when an upstream asset was updated since this one was last materialized or requested."""
        return AutomationCondition(op="upstream_updated_since_last")

    @staticmethod
    def upstream_updated_since_cron(cron: str, timezone: str = "UTC") -> AutomationCondition:
        """True when every upstream asset was updated since the latest tick of ``cron``."""
        return AutomationCondition(op="upstream_updated_since_cron", cron=_cron(cron, timezone), timezone=timezone)

    @staticmethod
    def upstream_missing() -> AutomationCondition:
        """True when an upstream asset is missing and not requested in the same tick."""
        return AutomationCondition(op="upstream_missing")

    @staticmethod
    def in_progress() -> AutomationCondition:
        """True when the asset is part of a queued or running run."""
        return AutomationCondition(op="in_progress")

    @staticmethod
    def upstream_in_progress() -> AutomationCondition:
        """True when an upstream asset is part of a queued or running run."""
        return AutomationCondition(op="upstream_in_progress")

    @staticmethod
    def check_failed() -> AutomationCondition:
        """True when a check of the asset failed on its current value (error severity, its latest evaluation)."""
        return AutomationCondition(op="check_failed")

    @staticmethod
    def cron_tick_passed(cron: str, timezone: str = "UTC") -> AutomationCondition:
        """True when a tick of ``cron`` passed since the asset was last materialized or requested."""
        return AutomationCondition(op="cron_tick_passed", cron=_cron(cron, timezone), timezone=timezone)

    @staticmethod
    def not_updated_within(duration: timedelta) -> AutomationCondition:
        """True when an upstream asset (the asset itself when it has none) was not materialized or
        observed within ``duration``: an expected update did not arrive. It stays true until one
        arrives, so to request one run combine it, e.g. with ``~in_progress()`` and ``cron_tick_passed``."""
        if not isinstance(duration, timedelta) or duration <= timedelta(0):
            raise DefinitionError(
                "AutomationCondition.not_updated_within takes a positive timedelta such as timedelta(hours=6), "
                f"got {duration!r}"
            )
        return AutomationCondition(op="not_updated_within", seconds=duration.total_seconds())

    @staticmethod
    def expected_by(cron: str, timezone: str = "UTC") -> AutomationCondition:
        """True from a tick of ``cron`` while an upstream asset (the asset itself when it has none) was
        not updated since the tick before it: ``expected_by("0 9 * * *")`` holds at 09:00 when no
        update arrived since 09:00 the day before, until one arrives."""
        return AutomationCondition(op="expected_by", cron=_cron(cron, timezone), timezone=timezone)


def _cron(cron: str, timezone: str) -> str:
    return check_cron(cron, timezone, where="automation condition")


def _checked(other: object, sign: str) -> AutomationCondition:
    if not isinstance(other, AutomationCondition):
        raise TypeError(
            f"cannot combine an automation condition with {type(other).__name__} {other!r} using {sign}: "
            "combine conditions such as hw.on_missing() | hw.AutomationCondition.stale()"
        )
    return other


@cache  # conditions are immutable: assets share one object, so the daemon compiles it once
def eager() -> AutomationCondition:
    """Materialize when the asset is missing or an upstream asset updated, unless it (or an
    upstream asset) is already in progress or an upstream asset is missing."""
    c = AutomationCondition
    return (
        (c.missing() | c.upstream_updated_since_last())
        & ~c.in_progress()
        & ~c.upstream_in_progress()
        & ~c.upstream_missing()
    ).with_label("eager")


@cache  # conditions are immutable: assets share one object, so the daemon compiles it once
def on_cron(cron: str, timezone: str = "UTC") -> AutomationCondition:
    """Materialize once per tick of ``cron``, after every upstream asset has updated since that tick."""
    c = AutomationCondition
    return (
        c.cron_tick_passed(cron, timezone) & c.upstream_updated_since_cron(cron, timezone) & ~c.in_progress()
    ).with_label(f"on_cron({cron!r})")


@cache  # conditions are immutable: assets share one object, so the daemon compiles it once
def on_missing() -> AutomationCondition:
    """Materialize the asset when it is missing and its upstream assets are not."""
    c = AutomationCondition
    return (c.missing() & ~c.in_progress() & ~c.upstream_missing()).with_label("on_missing")
