"""Signing in and out, who is signed in, and the audit log: ``POST /api/login``, ``POST /api/logout``,
``GET /api/me``, ``GET /api/audit`` and the pages ``/login`` and ``/audit``."""

from __future__ import annotations

from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from headwater.auth.audit import entries, parse_action, record
from headwater.auth.roles import Permission
from headwater.events import AuditAction
from headwater.web.auth import Authenticator, Forbidden, client_address, principal_of
from headwater.web.pages import shell
from headwater.web.security import set_session_cookies
from headwater.web.sessions import SESSION_COOKIE
from headwater.web.state import WebState, web_state

router = APIRouter(tags=["users"])
State = Annotated[WebState, Depends(web_state)]


class Login(pydantic.BaseModel):
    """A user name and password."""

    model_config = pydantic.ConfigDict(extra="forbid")
    name: str = pydantic.Field(max_length=255)
    password: str = pydantic.Field(max_length=1024)


def _auth(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.auth
    return auth


@router.post("/api/login", summary="Sign in with a user name and password (POST with a CSRF token)")
def login(request: Request, state: State, body: Login) -> JSONResponse:
    """Start a new session (any session the browser held is ended first) and set its cookie and
    CSRF token; 401 for a wrong name or password, 429 after too many failures."""
    auth = _auth(request)
    address = client_address(request)
    wait = auth.limiter.wait(body.name, address)
    if wait is not None:
        record(state.storage, body.name, AuditAction.LOGIN_FAILED, source=address, details={"reason": "rate limited"})
        minutes = max(1, round(wait / 60))
        return JSONResponse(
            {
                "error": f"too many failed sign-ins for '{body.name}' or from {address}: wait {minutes} "
                "minute(s) and try again, or ask an admin to set a new password "
                f"(`headwater users set-password {body.name}`)"
            },
            status_code=429,
            headers={"Retry-After": str(int(wait) + 1)},
        )
    user = auth.accounts.check_password(body.name, body.password)
    if user is None:
        auth.limiter.failed(body.name, address)
        record(state.storage, body.name, AuditAction.LOGIN_FAILED, source=address, details={"reason": "wrong password"})
        return JSONResponse(
            {
                "error": "wrong user name or password: check both (an admin can reset it with "
                "`headwater users set-password`)"
            },
            status_code=401,
        )
    auth.limiter.succeeded(body.name)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        auth.sessions.drop(old)
    cookie, session = auth.sessions.create(user.name)
    record(state.storage, user.name, AuditAction.LOGIN, source=address)
    response = JSONResponse({"user": user.name, "role": user.grant.role.value})
    set_session_cookies(response, request, cookie, session, hours=auth.config.session_hours)
    return response


@router.post("/api/logout", summary="Sign out (POST with a CSRF token)")
def logout(request: Request, state: State) -> JSONResponse:
    """End the session and clear its cookie."""
    principal = principal_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        _auth(request).sessions.drop(cookie)
        record(state.storage, principal.name, AuditAction.LOGOUT, source=client_address(request))
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/me", summary="Who is signed in and what they may do")
def me(request: Request) -> dict[str, Any]:
    """``user`` is None before sign-in; ``permissions`` lists what the role allows (the pages hide
    the rest); ``login_required`` says whether this server has users; ``oidc`` (only present then)
    is true when single sign-on is configured (``/login/oidc``)."""
    principal = getattr(request.state, "principal", None)
    auth = _auth(request)
    required = auth.users_configured()
    sso: dict[str, Any] = {"oidc": True} if auth.config.oidc is not None else {}
    if principal is None:
        return {
            "user": None,
            "role": None,
            "scope": "",
            "via": None,
            "permissions": [],
            "login_required": required,
            **sso,
        }
    return {
        "user": principal.name,
        "role": principal.grant.role.value,
        "scope": principal.grant.scope.to_string(),
        "via": principal.via,
        "permissions": principal.grant.permissions(),
        "login_required": required,
        **sso,
    }


@router.get("/api/audit", summary="The audit log, newest first (admins)")
def audit(
    request: Request,
    state: State,
    user: Annotated[str | None, Query(description="Only what this user did.")] = None,
    action: Annotated[str | None, Query(description="Only this action (launch, login_failed, ...).")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> dict[str, Any]:
    """Entries with time, user, action, source address, target and details."""
    principal = principal_of(request)
    if not principal.grant.allows(Permission.MANAGE_USERS):
        raise Forbidden(
            f"user '{principal.name}' ({principal.grant.describe()}) may not read the audit log: that needs the "
            f"admin role; ask an admin to run `headwater users set-role {principal.name} admin`"
        )
    wanted = parse_action(action) if action else None
    rows = [r.to_json() for r in entries(state.storage, actor=user or None, action=wanted, limit=limit)]
    return {"entries": rows, "actions": [a.value for a in AuditAction if a is not AuditAction.OTHER]}


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page() -> HTMLResponse:
    """The sign-in form."""
    return shell("login", "Sign in", "/api/me")


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page() -> HTMLResponse:
    """The audit log with filters by user and action."""
    return shell("audit", "Audit log", "/api/audit")
