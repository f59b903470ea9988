"""The payload of a ``CHECK_EVALUATED`` event: one check's result, and its verdict. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from headwater.events.kinds import CheckOutcome, CheckSeverity


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckEvaluated:
    """The payload of a ``CHECK_EVALUATED`` event: one check's result on one value of its asset."""

    check: str
    passed: bool
    severity: CheckSeverity = CheckSeverity.ERROR
    blocking: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
    error: str | None = None

    @property
    def outcome(self) -> CheckOutcome:
        """passed, warned (a warn-severity check that did not pass) or failed (any other that did not pass,
        or one that raised)."""
        if self.passed:
            return CheckOutcome.PASSED
        if self.error is None and self.severity is CheckSeverity.WARN:
            return CheckOutcome.WARNED
        return CheckOutcome.FAILED  # a check that raised could not vouch for the value, whatever its severity

    @property
    def blocks_downstream(self) -> bool:
        """Whether this result stops the asset's downstream in its run: a failed blocking check."""
        return self.blocking and self.outcome is CheckOutcome.FAILED

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form (``warned`` is written for a warned result)."""
        data: dict[str, Any] = {
            "check": self.check,
            "severity": self.severity.value,
            "blocking": self.blocking,
            "passed": self.passed,
        }
        if self.metadata:
            data["metadata"] = dict(self.metadata)
        if self.description:
            data["description"] = self.description
        if self.error is not None:
            data["error"] = self.error
        if self.outcome is CheckOutcome.WARNED:
            data["warned"] = True
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CheckEvaluated:
        """Read a stored payload; older events (no severity, a ``name`` key) read with their defaults."""
        severity = data.get("severity")
        metadata = data.get("metadata")
        description = data.get("description")
        error = data.get("error")
        return cls(
            check=str(data.get("check", data.get("name", ""))),
            passed=bool(data.get("passed")),
            severity=CheckSeverity.WARN if severity == CheckSeverity.WARN.value else CheckSeverity.ERROR,
            blocking=bool(data.get("blocking")),
            metadata=dict(metadata) if isinstance(metadata, Mapping) else {},
            description=str(description) if description is not None else None,
            error=str(error) if error is not None else None,
        )
