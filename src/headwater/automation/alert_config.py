"""The ``[alerts.targets.NAME]`` and ``[[alerts.rules]]`` tables of headwater.toml, validated once by
pydantic and turned into the same ``hw.AlertTarget`` and ``hw.Alert`` objects code declares.

Each validation error names the table and says what to write instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pydantic

from headwater.definitions.alert import ALERT_KINDS, TARGET_KINDS, Alert, AlertTarget
from headwater.definitions.conditions import AutomationCondition
from headwater.errors import DefinitionError, did_you_mean

_EXAMPLES = {
    "webhook": 'type = "webhook" and url = "https://example.com/hook"',
    "slack": 'type = "slack" and url = "https://hooks.slack.com/services/..."',
    "email": 'type = "email", host = "smtp.example.com", from = "hw@example.com" and to = ["ops@example.com"]',
    "log": 'type = "log"',
}


class TargetConfig(pydantic.BaseModel):
    """``[alerts.targets.NAME]``: a webhook, a Slack-compatible webhook, an SMTP server or the log."""

    model_config = pydantic.ConfigDict(extra="forbid", populate_by_name=True)
    type: str
    url: str | None = None
    host: str | None = None
    port: int | None = pydantic.Field(default=None, ge=1, le=65535)
    sender: str | None = pydantic.Field(default=None, alias="from")
    to: list[str] | str = pydantic.Field(default_factory=list)
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None

    @pydantic.model_validator(mode="after")
    def _complete(self) -> TargetConfig:
        if self.type not in TARGET_KINDS:
            raise ValueError(
                f"unknown target type {self.type!r}{did_you_mean(self.type, TARGET_KINDS)}: write "
                + " or ".join(_EXAMPLES.values())
            )
        if self.type in ("webhook", "slack") and not (self.url or "").startswith(("http://", "https://")):
            got = "no url" if self.url is None else f"url = {self.url!r}"
            raise ValueError(f"a {self.type} target needs an http(s) URL, got {got}: write {_EXAMPLES[self.type]}")
        if self.type == "email":
            if not self.host:
                raise ValueError(
                    f'an email target needs the SMTP server: write host = "smtp.example.com" ({_EXAMPLES["email"]})'
                )
            if not self.sender or not self.to:
                raise ValueError(f"an email target needs from = and to = addresses: write {_EXAMPLES['email']}")
            if self.username is not None and self.password_env is None:
                raise ValueError(
                    'username = needs password_env = "NAME", the environment variable holding the SMTP password'
                )
        return self

    def target(self, name: str) -> AlertTarget:
        """This table as an ``hw.AlertTarget`` named ``name``."""
        if self.type == "webhook":
            return AlertTarget.webhook(self.url or "", name=name)
        if self.type == "slack":
            return AlertTarget.slack(self.url or "", name=name)
        if self.type == "email":
            to = [self.to] if isinstance(self.to, str) else self.to
            return AlertTarget.email(
                host=self.host or "",
                port=self.port or (587 if self.starttls else 25),
                sender=self.sender or "",
                to=to,
                starttls=self.starttls,
                username=self.username,
                password_env=self.password_env,
                name=name,
            )
        return AlertTarget(kind="log", name=name)


class RuleConfig(pydantic.BaseModel):
    """``[[alerts.rules]]``: one ``hw.Alert``; ``not_updated_within`` or ``expected_by`` make a
    ``condition`` alert on that absence."""

    model_config = pydantic.ConfigDict(extra="forbid")
    name: str = pydantic.Field(min_length=1)
    on: str
    targets: list[str] = pydantic.Field(default_factory=lambda: ["log"])
    select: str | None = None
    after: timedelta | None = None
    lookback: timedelta | None = None
    not_updated_within: timedelta | None = None
    expected_by: str | None = None

    @pydantic.field_validator("on")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ALERT_KINDS:
            raise ValueError(
                f"unknown alert kind {value!r}{did_you_mean(value, ALERT_KINDS)}: write on = one of "
                + ", ".join(f'"{k}"' for k in ALERT_KINDS)
            )
        return value

    def alert(self) -> Alert:
        """This rule as an ``hw.Alert`` (DefinitionError when its keys do not fit its kind)."""
        condition = None
        if self.not_updated_within is not None:
            condition = AutomationCondition.not_updated_within(self.not_updated_within)
        if self.expected_by is not None:
            expected = AutomationCondition.expected_by(self.expected_by)
            condition = expected if condition is None else condition | expected
        extra: dict[str, Any] = {"lookback": self.lookback} if self.lookback is not None else {}
        return Alert(
            self.name,
            on=self.on,  # type: ignore[arg-type]  # checked by _known
            targets=tuple(self.targets),
            select=self.select,
            after=self.after,
            condition=condition,
            **extra,
        )


def check_rules(rules: list[RuleConfig], targets: dict[str, TargetConfig]) -> None:
    """Every rule builds an ``hw.Alert``, names declared targets, and has a unique name (ValueError saying
    which rule and how to fix)."""
    known = {"log", *targets}
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        where = f"[[alerts.rules]] {index + 1} (name = {rule.name!r})"
        if rule.name in seen:
            raise ValueError(f"{where}: another rule has this name; give each rule a unique name")
        seen.add(rule.name)
        for name in rule.targets:
            if name not in known:
                raise ValueError(
                    f"{where}: unknown target {name!r}{did_you_mean(name, known)}; declare it as "
                    f"[alerts.targets.{name}] with {_EXAMPLES['webhook']}, or use one of {', '.join(sorted(known))}"
                )
        if rule.on in ("partition_overdue", "automation_idle") and rule.after is None:
            raise ValueError(f'{where}: on = "{rule.on}" needs after = how long, e.g. after = "PT2H" (or seconds)')
        absent = rule.not_updated_within is None and rule.expected_by is None
        if rule.on == "condition" and absent:
            raise ValueError(
                f'{where}: on = "condition" needs not_updated_within = "PT6H" (a duration) or '
                'expected_by = "0 9 * * *" (a cron)'
            )
        if rule.on != "condition" and not absent:
            raise ValueError(f'{where}: not_updated_within and expected_by are read by on = "condition" only')
        try:
            rule.alert()
        except DefinitionError as exc:
            raise ValueError(f"{where}: {exc}") from None
