"""The audit log's vocabulary: who changed what, from where. Each entry is one ``AUDIT_RECORDED``
event of the pseudo-run ``AUDIT_RUN_ID``, so the log stays in the event store with everything else.
Pure data: no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

AUDIT_RUN_ID: Final = "headwater/audit"
"""The run id every audit event is stored under (no run has it: run ids are hex)."""


class AuditAction(StrEnum):
    """What an audited request did."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    LAUNCH = "launch"
    BACKFILL = "backfill"
    REEXECUTE = "reexecute"
    CANCEL = "cancel"
    SWITCH = "switch"
    REPORT = "report"
    PUBLISH = "publish"
    DISCARD = "discard"
    USER_ADDED = "user_added"
    USER_REMOVED = "user_removed"
    ROLE_SET = "role_set"
    PASSWORD_SET = "password_set"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    REFUSED = "refused"
    """A request that the actor's role does not allow (403)."""
    OTHER = "other"
    """An action this release does not know (written by a newer one)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditEntry:
    """The payload of an ``AUDIT_RECORDED`` event.

    ``actor`` is a user name, ``cli:<os user>`` for a command run on the server, or ``local`` for a
    single-user setup without users; ``source`` is the client address (None from the CLI); ``target``
    names what was acted on (a run id, a schedule, a user); ``details`` holds what changed.
    """

    actor: str
    action: AuditAction
    source: str | None = None
    target: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """The stored JSON form."""
        data: dict[str, Any] = {"actor": self.actor, "action": self.action.value}
        if self.source is not None:
            data["source"] = self.source
        if self.target is not None:
            data["target"] = self.target
        if self.details:
            data["details"] = dict(self.details)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AuditEntry:
        """Read the stored JSON form (an unknown action reads as ``other``)."""
        action = str(data.get("action", ""))
        details = data.get("details")
        return cls(
            actor=str(data.get("actor", "")),
            action=AuditAction(action) if action in AuditAction._value2member_map_ else AuditAction.OTHER,
            source=str(data["source"]) if data.get("source") is not None else None,
            target=str(data["target"]) if data.get("target") is not None else None,
            details=dict(details) if isinstance(details, Mapping) else {},
        )
