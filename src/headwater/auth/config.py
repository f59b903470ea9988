"""``[web.auth]`` of headwater.toml: the trusted-header mode for deployments behind an authenticating
proxy, single sign-on with an OpenID Connect provider (``[web.auth.oidc]``), and how long a sign-in
lasts. Validated once when the configuration loads."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

import pydantic

from headwater.auth.roles import Grant, Role, Scope
from headwater.errors import AuthError

NO_ROLE = "none"
"""``[web.auth.oidc] default_role = "none"``: a user in no mapped group is refused."""
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class OidcConfig(pydantic.BaseModel):
    """``[web.auth.oidc]``: single sign-on with an OpenID Connect provider (authorization code flow
    with PKCE, state and nonce; see ``headwater.web.oidc``).

    The user's name is the ``user_claim`` of their ID token (or of the provider's userinfo when the
    ID token lacks it), without falling back to another claim: a missing claim refuses the sign-in,
    so one person never gets two names. Their role is that of the strongest of their
    ``groups_claim`` groups that ``[web.auth] groups`` maps; a user in no mapped group gets
    ``default_role``: unset means ``[web.auth] default_role``, ``"none"`` refuses them.
    """

    model_config = pydantic.ConfigDict(extra="forbid")
    issuer: str
    """The provider's issuer URL; its discovery document is ``{issuer}/.well-known/openid-configuration``."""
    client_id: str = pydantic.Field(min_length=1)
    client_secret_env: str
    """The name of the environment variable holding the client secret (never the secret itself)."""
    scopes: list[str] = ["openid", "profile", "email"]
    user_claim: str = pydantic.Field(default="preferred_username", min_length=1)
    groups_claim: str = pydantic.Field(default="groups", min_length=1)
    default_role: str | None = None
    redirect_uri: str | None = None
    """The callback URL registered at the provider; default: ``/login/oidc/callback`` on the
    address the browser opened (set it behind a proxy that changes the host or scheme)."""

    @pydantic.model_validator(mode="before")
    @classmethod
    def _no_secret(cls, data: Any) -> Any:
        if isinstance(data, dict) and "client_secret" in data:
            raise ValueError(
                "client_secret: the secret must not be written in headwater.toml; set client_secret_env = "
                '"HEADWATER_OIDC_SECRET" and export HEADWATER_OIDC_SECRET=<the secret> where the server starts'
            )
        return data

    @pydantic.field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                f"issuer {value!r} is not a URL: give the provider's issuer, e.g. 'https://login.example.com/realms/data'"
            )
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
            raise ValueError(
                f"issuer {value!r} uses http: an OpenID provider must be reached over https (plain http is "
                "accepted only on localhost)"
            )
        return value

    @pydantic.field_validator("client_secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.fullmatch(value):
            raise ValueError(
                "client_secret_env must name an environment variable (letters, digits and _), not hold the "
                'secret: set client_secret_env = "HEADWATER_OIDC_SECRET" and export HEADWATER_OIDC_SECRET=<the secret>'
            )
        return value

    @pydantic.field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError(f"scopes {value!r} lack 'openid', without which no ID token is issued: add \"openid\"")
        return value

    @pydantic.field_validator("default_role")
    @classmethod
    def _default_role(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() != NO_ROLE:
            try:
                Role.parse(value, where="default_role")
            except AuthError as exc:
                raise ValueError(f'{exc}, or "{NO_ROLE}" to refuse users in no mapped group') from None
        return value

    @pydantic.field_validator("redirect_uri")
    @classmethod
    def _redirect(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            callback = parts.path.endswith("/login/oidc/callback")
            if parts.scheme not in ("https", "http") or not parts.hostname or not callback:
                raise ValueError(
                    f"redirect_uri {value!r} is not this server's callback: give its full URL ending in "
                    "/login/oidc/callback, e.g. 'https://headwater.example.com/login/oidc/callback'"
                )
        return value


class WebAuthConfig(pydantic.BaseModel):
    """``[web.auth]``: ``trusted_proxies`` (addresses or networks whose ``user_header`` and
    ``groups_header`` are believed), ``groups`` (a proxy or OpenID group -> ``"role"`` or
    ``"role scope"``), ``default_role`` (for a proxied user in no mapped group), ``session_hours``
    and ``oidc`` (``[web.auth.oidc]``, single sign-on)."""

    model_config = pydantic.ConfigDict(extra="forbid")
    trusted_proxies: list[str] = []
    user_header: str = "X-Forwarded-User"
    groups_header: str = "X-Forwarded-Groups"
    groups: dict[str, str] = {}
    default_role: str = "viewer"
    session_hours: float = pydantic.Field(default=12.0, gt=0)
    oidc: OidcConfig | None = None

    @pydantic.field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network: give e.g. '127.0.0.1' or '10.0.0.0/8'"
                ) from None
        return value

    @pydantic.field_validator("groups")
    @classmethod
    def _grants(cls, value: dict[str, str]) -> dict[str, str]:
        for group, text in value.items():
            try:
                parse_grant(text, where=f"group {group!r}")
            except AuthError as exc:
                raise ValueError(str(exc)) from None
        return value

    @pydantic.field_validator("default_role")
    @classmethod
    def _role(cls, value: str) -> str:
        try:
            Role.parse(value, where="default_role")
        except AuthError as exc:
            raise ValueError(str(exc)) from None
        return value


def parse_grant(text: str, *, where: str) -> Grant:
    """``"launcher"`` or ``"launcher group:finance"``."""
    role, _, scope = text.strip().partition(" ")
    return Grant(role=Role.parse(role, where=where), scope=Scope.parse(scope, where=where))
