"""Access token, users, CSRF protection, host checking and security headers for every request.

- With users configured (or a trusted proxy), everyone signs in: a session cookie from /login, a
  personal ``hw_`` token or the shared token as a bearer, or a trusted proxy's headers
  (``headwater.web.auth``); pages redirect to /login, the API answers 401, and each guarded POST
  needs the role ``headwater.web.guard`` names (403 otherwise). A signed-in POST needs its
  session's own CSRF token. Without users, the rules below are unchanged:

- With a token, every request needs it: ``Authorization: Bearer <token>``, the cookie set by
  opening any page with ``?token=<token>``, or that query parameter itself.
- State-changing requests are POST and need the CSRF double submit: the ``headwater_csrf``
  cookie (set on every page and by ``GET /api/csrf``) echoed in the ``X-Headwater-CSRF`` header;
  a valid bearer token stands in for it (browsers never send one on their own).
- Without a token and ``writes_need_token`` (a non-loopback bind), POSTs are refused.
- Request bodies over ``MAX_BODY`` bytes are refused with a 413 before they are read in full.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headwater.auth.audit import record
from headwater.events import AuditAction
from headwater.web.auth import (
    LOCAL,
    SHARED_TOKEN,
    TOKEN_COOKIE,
    Authenticator,
    Principal,
    bearer,
    client_address,
    same_secret,
)
from headwater.web.boot import host_allowed
from headwater.web.guard import audit_response, find_rule, refuse, request_details
from headwater.web.sessions import SESSION_COOKIE, Session

CSRF_COOKIE = "headwater_csrf"
CSRF_HEADER = "x-headwater-csrf"

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

Handler = Callable[[Request], Awaitable[Response]]

MAX_BODY = 1024 * 1024
"""Largest request body accepted, in bytes: every request of the UI and API is a small JSON object."""


@dataclass(frozen=True, kw_only=True)
class Security:
    """The access rules of one app."""

    token: str | None = None
    writes_need_token: bool = False
    allowed_hosts: Sequence[str] | None = None
    """Host names (without port) the app answers to; None accepts any (e.g. behind a proxy)."""
    auth: Authenticator | None = None
    """Users, sessions and proxies; once a user exists (or a proxy is trusted) everyone signs in."""

    def _has_token(self, request: Request, *, bearer_only: bool = False) -> bool:
        if self.token is None:
            return False
        candidates = [bearer(request)]
        if not bearer_only:
            candidates += [request.cookies.get(TOKEN_COOKIE, ""), request.query_params.get("token", "")]
        return any(same_secret(c, self.token) for c in candidates)

    def _check(self, request: Request) -> tuple[Response | None, Principal | None]:
        """A refusal, or None and the principal of the request."""
        if not host_allowed(request.headers.get("host", ""), self.allowed_hosts):
            host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
            return _error(400, f"unexpected Host header '{host}': open the UI at http://127.0.0.1 instead"), None
        if self.auth is not None and self.auth.users_configured():
            return self._check_users(request, self.auth)
        if self.token is not None and not self._has_token(request):
            return _error(
                401,
                "this Headwater server needs its access token: open the page with ?token=<token> "
                "or send the header 'Authorization: Bearer <token>'",
            ), None
        principal = SHARED_TOKEN if self.token is not None else LOCAL
        if request.method in _SAFE_METHODS:
            return None, principal
        if self.token is None and self.writes_need_token:
            return _error(
                403,
                "this Headwater server listens on a non-loopback address without a token, so it is "
                "read-only: restart it with --token <secret> to launch runs",
            ), None
        if self._has_token(request, bearer_only=True):
            return None, principal
        return _double_submit(request), principal

    def _check_users(self, request: Request, auth: Authenticator) -> tuple[Response | None, Principal | None]:
        presented = bearer(request)
        principal = auth.from_proxy(request)
        if principal is None and presented:
            if self.token is not None and same_secret(presented, self.token):
                principal = SHARED_TOKEN
            else:
                principal = auth.from_token(presented)
                if principal is None:
                    return _error(
                        401,
                        "the API token is unknown, wrong, expired or revoked: create a new one with "
                        "`headwater tokens create USER` and send it as 'Authorization: Bearer hw_...'",
                    ), None
        if principal is None:
            principal = auth.from_session(request)
        if principal is None and self._has_token(request):
            principal = SHARED_TOKEN
        path = request.url.path
        if principal is None:
            if path in _PUBLIC or path.startswith("/static/"):
                return (_double_submit(request) if request.method not in _SAFE_METHODS else None), None
            if request.method in _SAFE_METHODS and not path.startswith("/api/"):
                target = path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303), None
            return _error(
                401,
                "sign in first: open /login in the browser, or send 'Authorization: Bearer <token>' with a token "
                "from `headwater tokens create USER`",
            ), None
        if request.method in _SAFE_METHODS or presented:
            return None, principal
        if principal.session is None:  # a proxied user: the proxy's cookie makes no session here
            return _double_submit(request), principal
        header = request.headers.get(CSRF_HEADER, "")
        if not same_secret(header, principal.session.csrf):
            return _error(403, _CSRF_MESSAGE), None
        return None, principal

    async def middleware(self, request: Request, call_next: Handler) -> Response:
        """Refuse what the rules forbid, then add headers and the CSRF/token cookies."""
        refused, principal = self._check(request)
        request.state.principal = principal
        guarded = find_rule(request) if refused is None and principal is not None else None
        if refused is None and guarded is not None and principal is not None:
            rule, target = guarded
            why = refuse(request.app.state.web.storage, principal, rule, target, request.url.path)
            if why is not None:
                _record_refusal(request, principal, rule.action, target)
                refused = _error(403, why)
        if refused is not None:
            response: Response = refused
        elif guarded is not None and principal is not None:
            details = await request_details(request)
            response = await call_next(request)
            if response.status_code < 400:
                response = await audit_response(request, response, principal, guarded[0], guarded[1], details)
            elif response.status_code == 403:  # refused by the handler: a scoped role outside its scope
                _record_refusal(request, principal, guarded[0].action, guarded[1])
        else:
            response = await call_next(request)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        sets = response.headers.getlist("set-cookie")
        session_csrf = principal.session.csrf if principal is not None and principal.session is not None else None
        if not any(c.startswith(CSRF_COOKIE + "=") for c in sets):
            if session_csrf is not None and request.cookies.get(CSRF_COOKIE) != session_csrf:
                set_csrf_cookie(response, session_csrf)
            elif CSRF_COOKIE not in request.cookies:
                set_csrf_cookie(response, new_csrf_token())
        if self.token is not None and request.query_params.get("token") and self._has_token(request):
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict", path="/")
        return response


_PUBLIC = frozenset(
    {"/login", "/login/oidc", "/login/oidc/callback", "/api/login", "/api/me", "/api/csrf", "/api/health"}
)
"""Paths answered before sign-in."""

_CSRF_MESSAGE = (
    "missing or wrong CSRF token: reload the page and try again (API clients: send the "
    f"{CSRF_COOKIE} cookie from GET /api/csrf back with its value in the X-Headwater-CSRF header)"
)


def _double_submit(request: Request) -> Response | None:
    """Refuse a POST whose CSRF header does not match its CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not secrets.compare_digest(cookie, header):
        return _error(403, _CSRF_MESSAGE)
    return None


class _TooLarge(HTTPException):
    """The body grew past the limit while the app read it: an HTTPException, so that FastAPI's body
    parsing lets it through to the app's error handler instead of making it a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with a 413.

    A declared Content-Length over the limit is refused before the app runs; a body sent without one
    (chunked) is counted as the app reads it, so no more than ``limit`` bytes are ever held.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _error(413, _too_large(self.limit))(scope, receive, send)


def _too_large(limit: int) -> str:
    return (
        f"the request body is larger than the limit of {limit} bytes: send a shorter selection, "
        "partition list, config or set of tags"
    )


def _record_refusal(request: Request, principal: Principal, wanted: AuditAction, target: str | None) -> None:
    details = {"wanted": wanted.value, "path": request.url.path}
    storage = request.app.state.web.storage
    record(storage, principal.name, AuditAction.REFUSED, source=client_address(request), target=target, details=details)


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(24)


def set_csrf_cookie(response: Response, value: str) -> None:
    """Set the CSRF cookie (readable by the page's script, never sent cross-site)."""
    response.set_cookie(CSRF_COOKIE, value, httponly=False, samesite="strict", path="/")


def set_session_cookies(response: Response, request: Request, cookie: str, session: Session, *, hours: float) -> None:
    """Set the cookies of a new sign-in: the session (HttpOnly, SameSite=Strict, Secure over https,
    for ``hours``) and its CSRF token."""
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        max_age=int(hours * 3600),
    )
    set_csrf_cookie(response, session.csrf)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
