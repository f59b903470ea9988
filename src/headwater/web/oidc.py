"""Single sign-on with an OpenID Connect provider (``[web.auth.oidc]``): ``GET /login/oidc`` and
``GET /login/oidc/callback``, the authorization code flow with PKCE (S256), a state and a nonce,
through authlib's OAuth 2 client and joserfc (``headwater.web.oidc_client``).

1. ``/login/oidc?next=/path`` makes a random state, nonce and PKCE verifier and keeps them in this
   process's memory under the state for ten minutes, with a random browser binding that it sets as
   the HttpOnly cookie ``headwater_oidc``; then it redirects to the authorization endpoint of the
   provider's discovery document (fetched once, then cached). The cookie is SameSite=Lax, not
   Strict: the provider's redirect back is a cross-site navigation, on which a browser sends no
   Strict cookie.
2. ``/login/oidc/callback`` takes the pending sign-in of its state out (each is used once, so a
   replayed callback is refused), refuses it unless the browser's cookie matches its binding (a
   callback opened in another browser is refused), exchanges the code with the verifier at the
   token endpoint, and validates the ID token: its signature by the provider's JWKS, issuer,
   audience (this client), expiry and nonce. The user's name and groups are the claims
   ``user_claim`` and ``groups_claim`` of the ID token, else of the userinfo endpoint (whose
   ``sub`` must be the ID token's); the groups give the role through ``[web.auth] groups``. Then a
   new session starts, as a password sign-in does, and the browser goes on to ``next`` (a path of
   this site only).

The callback answers with a small page that moves on to ``next`` by a meta refresh, not with a
redirect: the session cookie is SameSite=Strict, and a browser withholds it on a redirect chain
that began on the provider's site, which would send the user straight back to /login.

The user need not exist in the users table: the grant from their claims at sign-in is held with
their session (``OidcAuthenticator``). A stored user of the same name is not consulted, so a name
that the provider hands out never takes over a stored user's role.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any, Final
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from headwater.auth.audit import record
from headwater.auth.config import NO_ROLE, WebAuthConfig
from headwater.auth.roles import Grant, Role
from headwater.errors import ConfigError
from headwater.events import AuditAction
from headwater.storage import Storage
from headwater.web.auth import Authenticator, Principal, client_address
from headwater.web.oidc_client import OidcClient, OidcRefused
from headwater.web.security import set_session_cookies
from headwater.web.sessions import SESSION_COOKIE, Session

router = APIRouter(tags=["users"])

PENDING_COOKIE: Final = "headwater_oidc"
PENDING_SECONDS: Final = 600.0
"""How long a started sign-in waits for the provider's callback."""
MAX_PENDING: Final = 10_000
"""Started sign-ins kept at most (the oldest are dropped): /login/oidc is open to anyone."""
_CALLBACK: Final = "/login/oidc/callback"


@dataclass(frozen=True, kw_only=True, slots=True)
class Pending:
    """A sign-in started at /login/oidc, waiting for its callback."""

    binding: str
    """The SHA-256 of the browser's ``headwater_oidc`` cookie."""
    nonce: str
    verifier: str
    next: str
    redirect_uri: str
    expires_at: float


class PendingSignIns:
    """The started sign-ins by state; each is taken out once. Thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._pending: dict[str, Pending] = {}
        self._lock = threading.Lock()

    def add(self, state: str, pending: Pending) -> None:
        now = self._clock()
        with self._lock:
            for key in [k for k, p in self._pending.items() if p.expires_at <= now]:
                del self._pending[key]
            while len(self._pending) >= MAX_PENDING:
                del self._pending[next(iter(self._pending))]
            self._pending[state] = pending

    def take(self, state: str) -> Pending | None:
        """The pending sign-in of ``state``, removed; None when unknown, used or expired."""
        with self._lock:
            pending = self._pending.pop(state, None)
        return pending if pending is not None and pending.expires_at > self._clock() else None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, kw_only=True, slots=True)
class SignedIn:
    """Who a finished single sign-on names, what they may do and where they go next."""

    name: str
    grant: Grant
    subject: str
    next: str


class OidcAuthenticator(Authenticator):
    """An ``Authenticator`` that also signs users in through an OpenID provider: everyone signs in,
    and a session started by single sign-on carries the grant of its claims."""

    def __init__(
        self, storage: Storage, config: WebAuthConfig, secret: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(storage, config, clock=clock)
        assert config.oidc is not None
        self.oidc = config.oidc
        self.client = OidcClient(config.oidc, secret)
        self.pending = PendingSignIns(clock=clock)
        self._clock = clock
        self._grants: dict[str, tuple[Grant, float]] = {}
        self._grants_lock = threading.Lock()
        configured = config.default_role if self.oidc.default_role is None else self.oidc.default_role
        self.default: Grant | None = (
            None if configured.strip().lower() == NO_ROLE else Grant(role=Role.parse(configured, where="default_role"))
        )

    def users_configured(self) -> bool:
        return True

    def from_session(self, request: Request) -> Principal | None:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        session = self.sessions.get(cookie) if cookie else None
        if session is not None:
            with self._grants_lock:
                held = self._grants.get(session.session_id)
            if held is not None:
                return Principal(name=session.user, grant=held[0], via="session", session=session)
        return super().from_session(request)

    def start_session(self, name: str, grant: Grant) -> tuple[str, Session]:
        """A new session of a user signed in by the provider: the cookie value and the session."""
        cookie, session = self.sessions.create(name)
        now = self._clock()
        with self._grants_lock:
            for key in [k for k, (_, expires) in self._grants.items() if expires <= now]:
                del self._grants[key]
            self._grants[session.session_id] = (grant, session.expires_at)
        return cookie, session

    def begin(self, *, target: str, redirect_uri: str) -> tuple[str, str]:
        """Start a sign-in: the provider's URL to send the browser to, and the binding cookie."""
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        binding = secrets.token_urlsafe(32)
        url = self.client.authorization_url(redirect_uri=redirect_uri, state=state, nonce=nonce, verifier=verifier)
        pending = Pending(
            binding=_digest(binding),
            nonce=nonce,
            verifier=verifier,
            next=target,
            redirect_uri=redirect_uri,
            expires_at=self._clock() + PENDING_SECONDS,
        )
        self.pending.add(state, pending)
        return url, binding

    def finish(self, params: Mapping[str, str], binding: str) -> SignedIn:
        """Check the provider's callback and the ID token: who signed in; OidcRefused otherwise."""
        pending = self.pending.take(params.get("state", ""))
        if pending is None:
            raise OidcRefused(
                400,
                "unknown state",
                "this sign-in is unknown, expired or already used (its state does not match one started "
                "here in the last 10 minutes): start again at /login",
            )
        if not binding or not secrets.compare_digest(_digest(binding), pending.binding):
            raise OidcRefused(
                400,
                "started in another browser",
                "this sign-in was started in another browser, or its cookie was lost: start again at /login "
                "in this browser",
            )
        if params.get("error"):
            error, description = params["error"], params.get("error_description") or "no details"
            raise OidcRefused(
                403,
                f"provider: {error}",
                f"the OpenID provider did not sign you in ({error}: {description}): start again at /login",
            )
        code = params.get("code", "")
        if not code:
            raise OidcRefused(400, "no code", "the OpenID provider's callback has no code: start again at /login")
        token = self.client.exchange(code=code, redirect_uri=pending.redirect_uri, verifier=pending.verifier)
        access_token = token.get("access_token")
        access = access_token if isinstance(access_token, str) else None
        claims = self.client.verify_id_token(token["id_token"], nonce=pending.nonce, access_token=access)
        claims = self._with_userinfo(claims, access)
        name = self._name(claims)
        return SignedIn(name=name, grant=self._grant(name, claims), subject=str(claims["sub"]), next=pending.next)

    def _with_userinfo(self, claims: dict[str, Any], access_token: str | None) -> dict[str, Any]:
        """The ID token's claims, completed from userinfo when they lack the user or groups claim."""
        wanted = (self.oidc.user_claim, self.oidc.groups_claim)
        if access_token is None or all(k in claims for k in wanted):
            return claims
        info = self.client.userinfo(access_token)
        if info and info.get("sub") != claims["sub"]:
            raise OidcRefused(
                401,
                "userinfo of another subject",
                "the OpenID provider's userinfo names another user than the ID token: start again at /login",
            )
        return {**{k: v for k, v in info.items() if k in wanted}, **claims}

    def _name(self, claims: Mapping[str, Any]) -> str:
        claim = self.oidc.user_claim
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise OidcRefused(
                403,
                f"no {claim} claim",
                f"the OpenID provider gave no usable {claim!r} claim for this user (subject {claims.get('sub')!r}), "
                f"so they have no name here: an admin can set [web.auth.oidc] user_claim to a claim the "
                'provider sends (e.g. "email" or "sub")',
            )
        return value.strip()

    def _grant(self, name: str, claims: Mapping[str, Any]) -> Grant:
        raw = claims.get(self.oidc.groups_claim)
        groups = [raw] if isinstance(raw, str) else [str(g) for g in raw] if isinstance(raw, list) else []
        grants = [self._groups[g] for g in groups if g in self._groups]
        if grants:
            return max(grants, key=lambda g: g.role.rank)
        if self.default is not None:
            return self.default
        shown = ", ".join(groups[:10]) or "none"
        raise OidcRefused(
            403,
            "no mapped group",
            f"user '{name}' is in no group that [web.auth.groups] maps to a role (their groups: {shown}), and "
            f'[web.auth.oidc] default_role = "{NO_ROLE}" refuses such users: ask an admin to map one of their '
            "groups to a role",
            user=name,
        )


def client_secret(config: WebAuthConfig) -> str | None:
    """The client secret from the environment variable ``[web.auth.oidc]`` names (None without
    single sign-on); ConfigError when it is not set."""
    if config.oidc is None:
        return None
    name = config.oidc.client_secret_env
    secret = os.environ.get(name, "")
    if not secret:
        raise ConfigError(
            f"[web.auth.oidc] client_secret_env names the environment variable {name}, which is not set: export "
            f"{name}=<the client secret the OpenID provider issued for client {config.oidc.client_id!r}> where the "
            "server starts"
        )
    return secret


def make_authenticator(storage: Storage, config: WebAuthConfig, secret: str | None) -> Authenticator:
    """The app's authenticator: with ``[web.auth.oidc]`` (and its ``client_secret``), one that also
    signs users in by single sign-on."""
    if config.oidc is None or secret is None:
        return Authenticator(storage, config)
    return OidcAuthenticator(storage, config, secret)


def _same_site_path(value: str) -> str:
    """``value`` when it is a path of this site (never another origin, nor a sign-in page), else ``/``."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path == "/login" or parts.path.startswith("/login/"):
        return "/"
    return value


def _page(status: int, title: str, body: str, *, refresh: str | None = None) -> HTMLResponse:
    meta = f'\n<meta http-equiv="refresh" content="0;url={escape(refresh, quote=True)}">' if refresh else ""
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">{meta}
<title>{escape(title)} · Headwater</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<main id="app"><h1>{escape(title)}</h1>
{body}
</main>
</body>
</html>
"""
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _refused(exc: OidcRefused) -> HTMLResponse:
    body = (
        f'<p class="error" id="oidc-error">{escape(str(exc))}</p>\n<p><a href="/login" id="oidc-again">Sign in</a></p>'
    )
    response = _page(exc.status, "Sign-in refused", body)
    response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
    return response


def _oidc(request: Request) -> OidcAuthenticator:
    auth = request.app.state.auth
    if not isinstance(auth, OidcAuthenticator):
        raise OidcRefused(
            404,
            "not configured",
            "single sign-on is not configured on this server: an admin adds [web.auth.oidc] with issuer, "
            "client_id and client_secret_env to headwater.toml",
        )
    return auth


@router.get("/login/oidc", include_in_schema=False)
def begin(request: Request, target: Annotated[str, Query(alias="next", max_length=2048)] = "/") -> Response:
    """Send the browser to the provider to sign in, then back to ``next``."""
    try:
        auth = _oidc(request)
        redirect_uri = auth.oidc.redirect_uri or str(request.url_for("oidc_callback"))
        url, binding = auth.begin(target=_same_site_path(target), redirect_uri=redirect_uri)
    except OidcRefused as exc:
        return _refused(exc)
    response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        PENDING_COOKIE,
        binding,
        max_age=int(PENDING_SECONDS),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/login/oidc",
    )
    return response


@router.get(_CALLBACK, name="oidc_callback", include_in_schema=False)
def callback(request: Request) -> Response:
    """Finish the sign-in the provider sends back: a new session, then on to ``next``."""
    storage = request.app.state.web.storage
    address = client_address(request)
    try:
        auth = _oidc(request)
        done = auth.finish(request.query_params, request.cookies.get(PENDING_COOKIE, ""))
    except OidcRefused as exc:
        details = {"via": "oidc", "reason": exc.reason}
        record(storage, exc.user or "unknown", AuditAction.LOGIN_FAILED, source=address, details=details)
        return _refused(exc)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        auth.sessions.drop(old)
    cookie, session = auth.start_session(done.name, done.grant)
    record(storage, done.name, AuditAction.LOGIN, source=address, details={"via": "oidc", "sub": done.subject})
    target = quote(done.next, safe="/?&=%-._~:@!$*+,;()")
    body = (
        f"<p>Signed in as {escape(done.name)}.</p>\n"
        f'<p><a href="{escape(target, quote=True)}" id="oidc-continue">Continue</a></p>'
    )
    response = _page(200, "Signed in", body, refresh=target)
    set_session_cookies(response, request, cookie, session, hours=auth.config.session_hours)
    response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
    return response
