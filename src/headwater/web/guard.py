"""Which POST needs which permission, and its entry in the audit log.

Every state-changing route is listed here once: the security middleware refuses it with a 403 when
the principal's role is too low (and, for cancelling, when the run is someone else's and the role may
cancel only its own), and records it in the audit log once it succeeded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request, Response

from headwater.auth.audit import entries, record
from headwater.auth.roles import Permission
from headwater.events import AuditAction
from headwater.storage import Storage
from headwater.tags import USER, tag_value
from headwater.web.auth import Principal, client_address, refusal


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    """A guarded route: its path pattern, the permission it needs, what the audit log calls it."""

    pattern: re.Pattern[str]
    permission: Permission
    action: AuditAction
    doing: str


def _rule(path: str, permission: Permission, action: AuditAction, doing: str) -> Rule:
    return Rule(pattern=re.compile(path), permission=permission, action=action, doing=doing)


RULES: Final = (
    _rule(r"/api/launch", Permission.LAUNCH, AuditAction.LAUNCH, "launch runs"),
    _rule(r"/api/runs/(?P<target>[^/]+)/reexecute", Permission.LAUNCH, AuditAction.REEXECUTE, "re-execute runs"),
    _rule(r"/api/runs/(?P<target>[^/]+)/(cancel|terminate)", Permission.CANCEL_OWN, AuditAction.CANCEL, "cancel runs"),
    _rule(r"/api/backfills/(?P<target>[^/]+)/cancel", Permission.CANCEL_OWN, AuditAction.CANCEL, "cancel backfills"),
    _rule(
        r"/api/automation/instigators/(?P<target>[^/]+)",
        Permission.SWITCH,
        AuditAction.SWITCH,
        "switch schedules and sensors",
    ),
    _rule(r"/api/assets/(?P<target>.+)/report", Permission.REPORT, AuditAction.REPORT, "report materializations"),
    _rule(r"/api/staged/publish", Permission.PUBLISH, AuditAction.PUBLISH, "publish held-back values"),
    _rule(r"/api/staged/discard", Permission.PUBLISH, AuditAction.DISCARD, "discard held-back values"),
)

_REQUEST_FIELDS: Final = ("select", "partition", "job", "tags", "enabled", "key", "run_id", "data_version", "reason")
_RESPONSE_FIELDS: Final = ("run_id", "backfill_id", "kind", "on", "status")
_DETAIL_LIMIT: Final = 64 * 1024
"""Request bodies larger than this are not read for the audit log (the body limit refuses huge ones)."""


def find_rule(request: Request) -> tuple[Rule, str | None] | None:
    """The rule of a POST and the id or name its path names."""
    if request.method != "POST":
        return None
    for rule in RULES:
        matched = rule.pattern.fullmatch(request.url.path)
        if matched is not None:
            return rule, matched.groupdict().get("target")
    return None


def refuse(storage: Storage, principal: Principal, rule: Rule, target: str | None, path: str) -> str | None:
    """Why the principal may not do what ``rule`` guards, or None when they may."""
    if not principal.grant.allows(rule.permission):
        return refusal(principal, rule.permission, rule.doing)
    if rule.permission is not Permission.CANCEL_OWN or principal.grant.allows(Permission.CANCEL_ANY):
        return None
    owner = _owner(storage, path, target or "")
    if owner == principal.name:
        return None
    launched = f"it was launched by {owner}" if owner else "it was not launched by them"
    return (
        f"user '{principal.name}' ({principal.grant.describe()}) may cancel only what they launched and "
        f"{launched}: cancelling it needs the editor role"
    )


def _owner(storage: Storage, path: str, target: str) -> str | None:
    if path.startswith("/api/runs/"):
        run = storage.get_run(target)
        return tag_value(run.tags, USER) if run is not None else None
    launches = entries(storage, action=AuditAction.BACKFILL, limit=10_000)
    return next((r.entry.actor for r in launches if r.entry.target == target), None)


async def request_details(request: Request) -> dict[str, Any]:
    """The fields of a guarded request's JSON body worth recording (read only when small)."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > _DETAIL_LIMIT:
        return {}
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return {k: body[k] for k in _REQUEST_FIELDS if isinstance(body, dict) and body.get(k) is not None}


async def audit_response(
    request: Request, response: Response, principal: Principal, rule: Rule, target: str | None, details: dict[str, Any]
) -> Response:
    """Record a succeeded guarded request; the response is read and handed on unchanged."""
    body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    try:
        answer = json.loads(body) if body else {}
    except ValueError:
        answer = {}
    if isinstance(answer, dict):
        details = {**details, **{k: answer[k] for k in _RESPONSE_FIELDS if answer.get(k) is not None}}
    action = rule.action
    if action is AuditAction.LAUNCH and details.get("backfill_id"):
        action, target = AuditAction.BACKFILL, str(details["backfill_id"])
    elif action is AuditAction.LAUNCH:
        target = str(details.get("run_id")) if details.get("run_id") else None
    elif action is AuditAction.REEXECUTE:
        details = {**details, "parent_run": target}
        target = str(details.get("run_id")) if details.get("run_id") else target
    state = request.app.state.web
    record(state.storage, principal.name, action, source=client_address(request), target=target, details=details)
    return Response(
        content=body, status_code=response.status_code, headers=dict(response.headers), media_type=response.media_type
    )
