"""Access token, CSRF protection, host checking and security headers for every request.

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

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headwater.web.boot import host_allowed

CSRF_COOKIE = "headwater_csrf"
CSRF_HEADER = "x-headwater-csrf"
TOKEN_COOKIE = "headwater_token"

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

    def _has_token(self, request: Request, *, bearer_only: bool = False) -> bool:
        if self.token is None:
            return False
        header = request.headers.get("authorization", "")
        candidates = [header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""]
        if not bearer_only:
            candidates += [request.cookies.get(TOKEN_COOKIE, ""), request.query_params.get("token", "")]
        return any(c and secrets.compare_digest(c, self.token) for c in candidates)

    def _refuse(self, request: Request) -> JSONResponse | None:
        if not host_allowed(request.headers.get("host", ""), self.allowed_hosts):
            host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
            return _error(400, f"unexpected Host header '{host}': open the UI at http://127.0.0.1 instead")
        if self.token is not None and not self._has_token(request):
            return _error(
                401,
                "this Headwater server needs its access token: open the page with ?token=<token> "
                "or send the header 'Authorization: Bearer <token>'",
            )
        if request.method in _SAFE_METHODS:
            return None
        if self.token is None and self.writes_need_token:
            return _error(
                403,
                "this Headwater server listens on a non-loopback address without a token, so it is "
                "read-only: restart it with --token <secret> to launch runs",
            )
        if self._has_token(request, bearer_only=True):
            return None
        cookie = request.cookies.get(CSRF_COOKIE, "")
        header = request.headers.get(CSRF_HEADER, "")
        if not cookie or not header or not secrets.compare_digest(cookie, header):
            return _error(
                403,
                "missing or wrong CSRF token: reload the page and try again (API clients: send the "
                f"{CSRF_COOKIE} cookie from GET /api/csrf back with its value in the X-Headwater-CSRF header)",
            )
        return None

    async def middleware(self, request: Request, call_next: Handler) -> Response:
        """Refuse what the rules forbid, then add headers and the CSRF/token cookies."""
        response = self._refuse(request) or await call_next(request)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        sets = response.headers.getlist("set-cookie")
        if CSRF_COOKIE not in request.cookies and not any(c.startswith(CSRF_COOKIE + "=") for c in sets):
            set_csrf_cookie(response, new_csrf_token())
        if self.token is not None and request.query_params.get("token") and self._has_token(request):
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict", path="/")
        return response


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


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(24)


def set_csrf_cookie(response: Response, value: str) -> None:
    """Set the CSRF cookie (readable by the page's script, never sent cross-site)."""
    response.set_cookie(CSRF_COOKIE, value, httponly=False, samesite="strict", path="/")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
