"""``[web.auth]`` of headwater.toml: the trusted-header mode for deployments behind an authenticating
proxy, and how long a sign-in lasts. Validated once when the configuration loads."""

from __future__ import annotations

import ipaddress

import pydantic

from headwater.auth.roles import Grant, Role, Scope
from headwater.errors import AuthError


class WebAuthConfig(pydantic.BaseModel):
    """``[web.auth]``: ``trusted_proxies`` (addresses or networks whose ``user_header`` and
    ``groups_header`` are believed), ``groups`` (a proxy group -> ``"role"`` or ``"role scope"``),
    ``default_role`` (for a proxied user in no mapped group) and ``session_hours``."""

    model_config = pydantic.ConfigDict(extra="forbid")
    trusted_proxies: list[str] = []
    user_header: str = "X-Forwarded-User"
    groups_header: str = "X-Forwarded-Groups"
    groups: dict[str, str] = {}
    default_role: str = "viewer"
    session_hours: float = pydantic.Field(default=12.0, gt=0)

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
