"""Writing and reading the audit log: one ``AUDIT_RECORDED`` event per state-changing action, under
the pseudo-run ``AUDIT_RUN_ID`` of the event store."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headwater.errors import AuthError, did_you_mean
from headwater.events import AUDIT_RUN_ID, AuditAction, AuditEntry, Event, EventType
from headwater.storage import Storage


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditRecord:
    """An audit entry as stored: its event id and time."""

    id: int
    timestamp: float
    entry: AuditEntry

    def to_json(self) -> dict[str, Any]:
        """The shape of ``/api/audit`` and ``headwater audit list --json``."""
        return {
            "id": self.id,
            "timestamp": self.timestamp,
            "actor": self.entry.actor,
            "action": self.entry.action.value,
            "source": self.entry.source,
            "target": self.entry.target,
            "details": dict(self.entry.details),
        }


def record(
    storage: Storage,
    actor: str,
    action: AuditAction,
    *,
    source: str | None = None,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry to the audit log."""
    entry = AuditEntry(actor=actor, action=action, source=source, target=target, details=details or {})
    storage.store_events(
        [Event(run_id=AUDIT_RUN_ID, type=EventType.AUDIT_RECORDED, timestamp=time.time(), data=entry.to_data())]
    )


def entries(
    storage: Storage, *, actor: str | None = None, action: AuditAction | None = None, limit: int = 200
) -> list[AuditRecord]:
    """The newest ``limit`` entries first, only those of ``actor`` and ``action`` when given."""
    out: list[AuditRecord] = []
    for stored in reversed(storage.get_events(AUDIT_RUN_ID, types=[EventType.AUDIT_RECORDED])):
        entry = AuditEntry.from_data(stored.event.data)
        if (actor is None or entry.actor == actor) and (action is None or entry.action is action):
            out.append(AuditRecord(id=stored.id, timestamp=stored.event.timestamp, entry=entry))
            if len(out) >= limit:
                break
    return out


def parse_action(text: str) -> AuditAction:
    """The action called ``text``; AuthError naming the actions otherwise."""
    try:
        return AuditAction(text.strip().lower())
    except ValueError:
        names = [a.value for a in AuditAction if a is not AuditAction.OTHER]
        raise AuthError(
            f"unknown audit action {text!r}{did_you_mean(text, names)}: give one of {', '.join(names)}"
        ) from None
