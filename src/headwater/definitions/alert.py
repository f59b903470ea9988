"""``hw.Alert`` and ``hw.AlertTarget``: who is told when a run fails, a check fails or warns, an asset
or a partition is overdue, automation goes quiet, or a condition holds.

Pure data checked once when declared; the daemon opens and resolves incidents and delivers them
(``headwater.automation.alerting``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import timedelta
from typing import Final, Literal

from headwater.definitions.conditions import AutomationCondition
from headwater.errors import DefinitionError, did_you_mean

ALERT_KINDS: Final = {
    "run_failed": "a run failed (one incident per job or selection, resolved by its next successful run)",
    "check_failed": "a blocking check failed on its asset's current value",
    "check_warned": "a check of severity warn did not pass on its asset's current value",
    "asset_overdue": "an asset's hw.Freshness policy is not met",
    "partition_overdue": "a time partition is not materialized `after` its window closed",
    "automation_idle": "automation (schedules, sensors, conditions) requested no run for longer than `after`",
    "condition": "an automation condition (e.g. not_updated_within) is true for an asset",
}
"""The kinds of alert, with when each opens an incident."""

TARGET_KINDS: Final = ("webhook", "slack", "email", "log")

AlertKind = Literal[
    "run_failed", "check_failed", "check_warned", "asset_overdue", "partition_overdue", "automation_idle", "condition"
]


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertTarget:
    """Where an alert is delivered: build one with ``webhook``, ``slack``, ``email`` or ``log``.

    ``name`` identifies the target in the daemon's stored deliveries (``[alerts.targets.NAME]`` gives
    it; the constructors default to a name made from the address).
    """

    kind: Literal["webhook", "slack", "email", "log"]
    name: str
    url: str | None = None
    host: str | None = None
    port: int = 25
    sender: str | None = None
    to: tuple[str, ...] = ()
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    """The environment variable holding the SMTP password (never the password itself)."""

    @staticmethod
    def webhook(url: str, *, name: str | None = None) -> AlertTarget:
        """POST each alert as JSON to ``url``."""
        return AlertTarget(kind="webhook", name=name or f"webhook {url}", url=_url(url, "webhook"))

    @staticmethod
    def slack(url: str, *, name: str | None = None) -> AlertTarget:
        """POST ``{"text": ...}`` to a Slack-compatible incoming webhook ``url``."""
        return AlertTarget(kind="slack", name=name or f"slack {url}", url=_url(url, "slack"))

    @staticmethod
    def email(
        *,
        host: str,
        to: Sequence[str],
        sender: str,
        port: int = 25,
        starttls: bool = False,
        username: str | None = None,
        password_env: str | None = None,
        name: str | None = None,
    ) -> AlertTarget:
        """Send each alert by SMTP through ``host:port`` from ``sender`` to ``to`` (STARTTLS and login optional)."""
        if not host:
            raise DefinitionError("hw.AlertTarget.email: host= is required, e.g. host='smtp.example.com'")
        recipients = (to,) if isinstance(to, str) else tuple(to)
        if not recipients or not all(isinstance(r, str) and "@" in r for r in recipients):
            raise DefinitionError(f"hw.AlertTarget.email: to= takes addresses such as ['ops@example.com'], got {to!r}")
        if not isinstance(sender, str) or "@" not in sender:
            raise DefinitionError(
                f"hw.AlertTarget.email: sender= takes an address such as 'hw@example.com', got {sender!r}"
            )
        if username is not None and password_env is None:
            raise DefinitionError(
                "hw.AlertTarget.email: username= needs password_env='NAME', the environment variable holding "
                "the password"
            )
        return AlertTarget(
            kind="email",
            name=name or f"email {','.join(recipients)}",
            host=host,
            port=port,
            sender=sender,
            to=recipients,
            starttls=starttls,
            username=username,
            password_env=password_env,
        )

    @staticmethod
    def log() -> AlertTarget:
        """Write each alert to the daemon's log (logger ``headwater.alerts``)."""
        return AlertTarget(kind="log", name="log")


LOG_TARGET: Final = AlertTarget(kind="log", name="log")


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert: when ``on`` happens to the assets ``select`` picks (default: all), tell ``targets``.

    ``targets`` are ``hw.AlertTarget`` objects or the names of ``[alerts.targets.NAME]`` in
    headwater.toml (``"log"`` is always known). ``after`` is required by ``partition_overdue`` (how
    long after its window closes a partition must be there) and ``automation_idle`` (how long
    automation may request nothing); ``condition`` by ``condition``. Each incident is delivered once
    when it opens and once when it resolves, with a link to its page under ``[alerts] base_url``.
    """

    name: str
    _: KW_ONLY
    on: AlertKind
    targets: tuple[AlertTarget | str, ...] = ("log",)
    select: str | None = None
    after: timedelta | None = None
    condition: AutomationCondition | None = None
    lookback: timedelta = field(default=timedelta(days=7))
    """``partition_overdue``: only partitions whose window closed this recently are watched."""

    def __post_init__(self) -> None:
        where = f"hw.Alert({self.name!r})"
        if not isinstance(self.name, str) or not self.name:
            raise DefinitionError(f"hw.Alert: the first argument is the alert's name, got {self.name!r}")
        if self.on not in ALERT_KINDS:
            raise DefinitionError(
                f"{where}: unknown alert kind on={self.on!r}{did_you_mean(str(self.on), ALERT_KINDS)}; "
                f"use one of {', '.join(ALERT_KINDS)}"
            )
        targets = (self.targets,) if isinstance(self.targets, (str, AlertTarget)) else tuple(self.targets)
        if not targets:
            raise DefinitionError(f"{where}: targets= is empty; give at least one, e.g. targets=['log']")
        for target in targets:
            if not isinstance(target, (str, AlertTarget)):
                raise DefinitionError(
                    f"{where}: target {target!r} is not a target: use hw.AlertTarget.webhook(url), .slack(url), "
                    ".email(...), .log() or the name of an [alerts.targets.NAME] section"
                )
        object.__setattr__(self, "targets", targets)
        needs_after = self.on in ("partition_overdue", "automation_idle")
        if needs_after and (not isinstance(self.after, timedelta) or self.after <= timedelta(0)):
            raise DefinitionError(
                f"{where}: on={self.on!r} needs after= a positive timedelta, e.g. after=timedelta(hours=2), "
                f"got {self.after!r}"
            )
        if self.on == "condition" and not isinstance(self.condition, AutomationCondition):
            raise DefinitionError(
                f"{where}: on='condition' needs condition=, e.g. "
                "condition=hw.AutomationCondition.not_updated_within(timedelta(hours=6))"
            )
        if self.on != "condition" and self.condition is not None:
            raise DefinitionError(
                f"{where}: condition= is only read by on='condition'; remove it or set on='condition'"
            )

    def describe(self) -> str:
        """``run_failed``, ``partition_overdue after 2:00:00`` or ``condition not_updated_within(...)``."""
        if self.condition is not None:
            return f"{self.on} {self.condition.describe()}"
        return f"{self.on} after {self.after}" if self.after is not None else self.on


def check_alerts(alerts: Sequence[object]) -> tuple[Alert, ...]:
    """``Definitions(alerts=...)``: hw.Alert objects with unique names."""
    seen: set[str] = set()
    for index, item in enumerate(alerts):
        if not isinstance(item, Alert):
            raise DefinitionError(
                f"Definitions(alerts=...) item {index} is {type(item).__name__} {item!r}: pass hw.Alert('name', on=...)"
            )
        if item.name in seen:
            raise DefinitionError(f"Definitions: two alerts are named '{item.name}'; give each a unique name")
        seen.add(item.name)
    return tuple(alerts)  # type: ignore[arg-type]


def _url(url: str, kind: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise DefinitionError(f"hw.AlertTarget.{kind}: url must start with http:// or https://, got {url!r}")
    return url
