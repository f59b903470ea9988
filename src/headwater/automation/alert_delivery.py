"""Deliver one alert notice to one target: a JSON webhook, a Slack-compatible webhook (``{"text": ...}``),
an email through SMTP (STARTTLS and login optional) or the daemon's log.

A delivery either returns (the target accepted it) or raises ``DeliveryFailed`` saying why; the
caller keeps the notice and tries again on the next tick.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any, Final

from headwater.automation.alert_state import AlertMessage
from headwater.definitions.alert import AlertTarget
from headwater.errors import HeadwaterError

ALERTS = logging.getLogger("headwater.alerts")
TIMEOUT: Final = 10.0
"""Seconds a target may take to answer before the delivery counts as failed (and is retried)."""


class DeliveryFailed(HeadwaterError):
    """A target did not accept a notice; it is kept and sent again on the next tick."""


def deliver(target: AlertTarget, message: AlertMessage) -> None:
    """Send ``message`` to ``target``; DeliveryFailed (with the target and the reason) when it did not take it."""
    try:
        if target.kind == "log":
            level = logging.WARNING if message.status == "firing" else logging.INFO
            ALERTS.log(level, "%s (%s)", message.headline(), message.url)
        elif target.kind == "webhook":
            _post(target, message.to_json(), message)
        elif target.kind == "slack":
            link = f"<{message.url}|open in Headwater>"
            extra = f" ({message.resolution})" if message.resolution else ""
            _post(target, {"text": f"{message.headline()}{extra} {link}"}, message)
        else:
            _email(target, message)
    except DeliveryFailed:
        raise
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise DeliveryFailed(f"{_where(target)}: {type(exc).__name__}: {exc}") from exc


def _where(target: AlertTarget) -> str:
    if target.kind == "email":
        return f"target '{target.name}' (SMTP {target.host}:{target.port})"
    return f"target '{target.name}' ({target.url})"


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    """POST ``body`` as JSON to ``url``; urllib's errors when it is not accepted (HTTPError for a non-2xx answer)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        response.read()


def _post(target: AlertTarget, body: dict[str, Any], message: AlertMessage) -> None:
    try:
        post_json(target.url or "", body, {"Idempotency-Key": message.delivery})
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"{_where(target)} answered HTTP {exc.code} {exc.reason}") from exc


def _email(target: AlertTarget, message: AlertMessage) -> None:
    mail = EmailMessage()
    mail["Subject"] = message.headline()
    mail["From"] = target.sender or ""
    mail["To"] = ", ".join(target.to)
    digest = hashlib.sha256(message.delivery.encode()).hexdigest()[:24]
    mail["Message-ID"] = f"<headwater-{digest}@{target.host}>"  # the same on a retry: mail clients drop repeats
    lines = [message.summary, "", f"Alert: {message.alert} ({message.kind})", f"Status: {message.status}"]
    if message.resolution:
        lines.append(f"Resolution: {message.resolution}")
    lines += ["", message.url]
    mail.set_content("\n".join(lines) + "\n")
    password = None
    if target.username is not None:
        password = os.environ.get(target.password_env or "")
        if password is None:
            raise DeliveryFailed(
                f"{_where(target)}: the environment variable {target.password_env} with the SMTP password is not set; "
                "set it in the daemon's environment"
            )
    with smtplib.SMTP(target.host or "", target.port, timeout=TIMEOUT) as smtp:
        if target.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if target.username is not None and password is not None:
            smtp.login(target.username, password)
        smtp.send_message(mail)
