"""Access token, CSRF protection, host checking and security headers for every request.

- With a token, every request needs it: ``Authorization: Bearer <token>``, the cookie set by
  opening any page with ``?token=<token>``, or that query parameter itself.
- State-changing requests are POST and need the CSRF double submit: the ``headwater_csrf``
  cookie (set on every page and by ``GET /api/csrf``) echoed in the ``X-Headwater-CSRF`` header;
  a valid bearer token stands in for it (browsers never send one on their own).
- Without a token and ``writes_need_token`` (a non-loopback bind), POSTs are refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import JSONResponse

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


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(24)


def set_csrf_cookie(response: Response, value: str) -> None:
    """Set the CSRF cookie (readable by the page's script, never sent cross-site)."""
    response.set_cookie(CSRF_COOKIE, value, httponly=False, samesite="strict", path="/")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
