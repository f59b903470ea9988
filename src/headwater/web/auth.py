"""Who is asking: the principal of each request, from a trusted proxy's headers, a bearer token
(the server's shared token or a personal ``hw_`` token), a session cookie or, with no users
configured, the single local user. What the principal may do is ``headwater.auth.roles``'s answer.
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from fastapi import Request

from headwater.auth import Accounts, Grant
from headwater.auth.config import WebAuthConfig, parse_grant
from headwater.auth.roles import FULL, Permission, Role
from headwater.errors import HeadwaterError
from headwater.storage import Storage
from headwater.tags import USER
from headwater.web.sessions import SESSION_COOKIE, LoginLimiter, Session, SessionStore

TOKEN_COOKIE: Final = "headwater_token"


class Forbidden(HeadwaterError):
    """The signed-in user's role does not allow the request (HTTP 403)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Principal:
    """Who a request comes from and what they may do.

    ``via`` is ``local`` (no users configured), ``shared_token`` (the server's --token), ``token``
    (a personal API token), ``session`` (signed in) or ``proxy`` (trusted headers).
    """

    name: str
    grant: Grant
    via: str
    session: Session | None = None

    @property
    def is_user(self) -> bool:
        """Whether the principal is a named user (not the single local user or the shared token)."""
        return self.via in ("token", "session", "proxy")


LOCAL: Final = Principal(name="local", grant=FULL, via="local")
SHARED_TOKEN: Final = Principal(name="token", grant=FULL, via="shared_token")


def refusal(principal: Principal, permission: Permission, doing: str) -> str:
    """The 403 message: who, what their role is, which role the action needs and how to get it."""
    from headwater.auth.roles import LEAST_ROLE

    needed = LEAST_ROLE[permission].value
    return (
        f"user '{principal.name}' ({principal.grant.describe()}) may not {doing}: that needs the {needed} role; "
        f"ask an admin to run `headwater users set-role {principal.name} {needed}`"
    )


def bearer(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header, or ``""``."""
    header = request.headers.get("authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def client_address(request: Request) -> str:
    """The address the request came from (the proxy's, behind one)."""
    return request.client.host if request.client is not None else ""


class Authenticator:
    """The users, sessions and sign-in brake of one app."""

    def __init__(self, storage: Storage, config: WebAuthConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.config = config
        self.accounts = Accounts(storage, clock=clock)
        self.sessions = SessionStore(hours=config.session_hours, clock=clock)
        self.limiter = LoginLimiter(clock=clock)
        self._proxies = [ipaddress.ip_network(p, strict=False) for p in config.trusted_proxies]
        self._groups: Mapping[str, Grant] = {
            group: parse_grant(text, where=f"[web.auth.groups] {group}") for group, text in config.groups.items()
        }

    def users_configured(self) -> bool:
        """Whether anyone must sign in: some user exists, or a proxy is trusted to name them."""
        return bool(self._proxies) or self.accounts.any()

    def from_proxy(self, request: Request) -> Principal | None:
        """The user a trusted proxy names, with the role of the strongest mapped group (a stored user
        of that name keeps the stored role); None unless the request comes from a trusted proxy."""
        name = request.headers.get(self.config.user_header, "").strip()
        if not name or not self._trusted(client_address(request)):
            return None
        stored = self.accounts.get(name)
        if stored is not None:
            return Principal(name=name, grant=stored.grant, via="proxy")
        groups = [g.strip() for g in request.headers.get(self.config.groups_header, "").split(",") if g.strip()]
        grants = [self._groups[g] for g in groups if g in self._groups]
        default = Grant(role=Role.parse(self.config.default_role, where="[web.auth] default_role"))
        grant = max(grants, key=lambda g: g.role.rank) if grants else default
        return Principal(name=name, grant=grant, via="proxy")

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._proxies)

    def from_token(self, token: str) -> Principal | None:
        """The user of a personal API token, or None."""
        user = self.accounts.check_token(token)
        return Principal(name=user.name, grant=user.grant, via="token") if user is not None else None

    def from_session(self, request: Request) -> Principal | None:
        """The signed-in user of the session cookie (their current role), or None."""
        cookie = request.cookies.get(SESSION_COOKIE, "")
        session = self.sessions.get(cookie) if cookie else None
        user = self.accounts.get(session.user) if session is not None else None
        if session is None or user is None:
            return None
        return Principal(name=user.name, grant=user.grant, via="session", session=session)


def principal_of(request: Request) -> Principal:
    """The principal the security middleware found for ``request``."""
    found: Principal | None = getattr(request.state, "principal", None)
    return found if found is not None else LOCAL


def launcher_tags(request: Request) -> dict[str, str]:
    """The tag naming the user who launches a run (none for the single local user)."""
    principal = principal_of(request)
    return {USER: principal.name} if principal.is_user else {}


def require_scope(request: Request, assets: list[tuple[str, str | None]], doing: str) -> None:
    """Raise Forbidden when a scoped role would launch assets (key, group) outside its scope."""
    principal = principal_of(request)
    outside = principal.grant.outside(assets)
    if outside:
        shown = ", ".join(outside[:5]) + (" …" if len(outside) > 5 else "")
        raise Forbidden(
            f"user '{principal.name}' ({principal.grant.describe()}) may not {doing} {shown}: outside "
            f"{principal.grant.scope.to_string()}; narrow the selection to assets in it"
        )


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets."""
    return bool(given) and secrets.compare_digest(given.encode(), expected.encode())
