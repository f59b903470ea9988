"""What the daemon stores per alert between ticks: its open incidents and the deliveries not yet made,
as the alert's instigator cursor, so a restarted daemon neither fires an open incident again nor
forgets a delivery it owed. The one reader and writer of that JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from headwater.definitions.alert import Alert
    from headwater.storage.automation import InstigatorState

ALERT_KIND: Final = "alert"
"""The instigator kind (and tick kind) of alerts."""

Phase = Literal["firing", "resolved"]


def instigator_name(alert: str) -> str:
    """The instigator (and tick) name of alert ``alert``: ``alert:NAME``."""
    return f"alert:{alert}"


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertMessage:
    """One notice of an incident: that it opened (``firing``) or ``resolved``, as every target receives it.

    ``delivery`` is the same for every retry of one notice, so a receiver can drop a repeat.
    """

    alert: str
    kind: str
    status: Phase
    incident: str
    subject: str
    summary: str
    url: str
    opened_at: float
    resolved_at: float | None = None
    resolution: str | None = None

    @property
    def delivery(self) -> str:
        """``NAME#3:firing``: unique per incident and phase."""
        return f"{self.incident}:{self.status}"

    def to_json(self) -> dict[str, Any]:
        """The webhook's JSON body (with ``delivery``)."""
        return {**asdict(self), "delivery": self.delivery}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertMessage:
        """Read back what ``to_json`` wrote."""
        return cls(**{k: v for k, v in data.items() if k != "delivery"})

    def headline(self) -> str:
        """``[FIRING] pager: run 1a2b3c4d of orders failed`` (the email subject and chat line)."""
        return f"[{self.status.upper()}] {self.alert}: {self.summary}"


@dataclass(kw_only=True, slots=True)
class Incident:
    """An open incident: ``subject`` (an asset, a check, a partition, a job...) is in the alert's condition."""

    id: str
    subject: str
    opened_at: float
    summary: str
    url: str


@dataclass(kw_only=True, slots=True)
class Delivery:
    """A notice owed to one target, kept until the target accepts it."""

    target: str
    message: AlertMessage
    attempts: int = 0
    error: str | None = None


@dataclass(kw_only=True, slots=True)
class AlertState:
    """An alert's stored state."""

    since: float
    """When the daemon first evaluated the alert (``automation_idle`` counts from here at the latest)."""
    seq: int = 0
    runs_after: float | None = None
    """``run_failed``: the finish time of the last run looked at."""
    last_request_at: float | None = None
    """``automation_idle``: when automation last requested a run, as last seen."""
    open: dict[str, Incident] = field(default_factory=dict)
    outbox: list[Delivery] = field(default_factory=list)

    def to_cursor(self) -> str:
        """The JSON stored as the instigator's cursor."""
        data = {
            "since": self.since,
            "seq": self.seq,
            "runs_after": self.runs_after,
            "last_request_at": self.last_request_at,
            "open": [asdict(i) for i in self.open.values()],
            "outbox": [
                {"target": d.target, "attempts": d.attempts, "error": d.error, "message": d.message.to_json()}
                for d in self.outbox
            ],
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_cursor(cls, cursor: str | None, now: float) -> AlertState:
        """The stored state, or a new one watching from ``now``."""
        if not cursor:
            return cls(since=now)
        data = json.loads(cursor)
        return cls(
            since=float(data["since"]),
            seq=int(data["seq"]),
            runs_after=data["runs_after"],
            last_request_at=data["last_request_at"],
            open={i["subject"]: Incident(**i) for i in data["open"]},
            outbox=[
                Delivery(
                    target=d["target"],
                    attempts=d["attempts"],
                    error=d["error"],
                    message=AlertMessage.from_json(d["message"]),
                )
                for d in data["outbox"]
            ],
        )


def alert_json(alert: Alert, stored: InstigatorState | None) -> dict[str, Any]:
    """An alert with its open incidents and the notices still owed (with why the last try failed), as
    ``headwater automation alerts --json`` and the automation page show it."""
    state = AlertState.from_cursor(stored.cursor if stored is not None else None, 0.0)
    return {
        "name": alert.name,
        "on": alert.on,
        "describe": alert.describe(),
        "select": alert.select,
        "targets": [t if isinstance(t, str) else t.name for t in alert.targets],
        "last_tick_at": stored.last_tick_at if stored is not None else None,
        "open": [asdict(i) for i in sorted(state.open.values(), key=lambda i: i.opened_at)],
        "owed": [
            {"delivery": d.message.delivery, "target": d.target, "attempts": d.attempts, "error": d.error}
            for d in state.outbox
        ],
    }
