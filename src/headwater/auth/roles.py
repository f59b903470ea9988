"""Roles, their scopes and what each allows: the one place that answers "may this user do that".

Roles are ordered (viewer < launcher < editor < admin); each permission needs a least role. A scope
(``group:NAME`` or a key prefix such as ``finance/``) limits what a role may launch to those assets.
Pure data: no I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from headwater.errors import AuthError, did_you_mean


class Role(StrEnum):
    """What a user may do, each role allowing everything the one before it does."""

    VIEWER = "viewer"
    """Read everything."""
    LAUNCHER = "launcher"
    """Also launch runs and backfills, re-execute, cancel their own runs."""
    EDITOR = "editor"
    """Also switch schedules and sensors, report materializations, cancel any run."""
    ADMIN = "admin"
    """Also manage users and tokens."""

    @property
    def rank(self) -> int:
        """The position in the order viewer < launcher < editor < admin."""
        return _ORDER.index(self)

    @classmethod
    def parse(cls, text: str, *, where: str) -> Role:
        """The role called ``text``; AuthError naming the roles otherwise."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = [r.value for r in cls]
            raise AuthError(
                f"{where}: unknown role {text!r}{did_you_mean(text, names)}: give one of {', '.join(names)}"
            ) from None


_ORDER: Final = (Role.VIEWER, Role.LAUNCHER, Role.EDITOR, Role.ADMIN)


class Permission(StrEnum):
    """An action the web UI and API guard."""

    LAUNCH = "launch"
    """Launch a run or a backfill, re-execute a run."""
    CANCEL_OWN = "cancel_own"
    """Cancel a run or backfill one launched."""
    CANCEL_ANY = "cancel_any"
    SWITCH = "switch"
    """Turn a schedule, a sensor or asset automation on or off."""
    REPORT = "report"
    """Report a materialization made elsewhere."""
    PUBLISH = "publish"
    """Publish a value held back by its checks anyway, or discard it."""
    MANAGE_USERS = "manage_users"
    """Add, change and remove users and tokens; read the audit log."""


LEAST_ROLE: Final[Mapping[Permission, Role]] = {
    Permission.LAUNCH: Role.LAUNCHER,
    Permission.CANCEL_OWN: Role.LAUNCHER,
    Permission.CANCEL_ANY: Role.EDITOR,
    Permission.SWITCH: Role.EDITOR,
    Permission.REPORT: Role.EDITOR,
    Permission.PUBLISH: Role.EDITOR,
    Permission.MANAGE_USERS: Role.ADMIN,
}
"""The least role each permission needs."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Scope:
    """The assets a role's launches are limited to: all, one group, or keys under a prefix."""

    group: str | None = None
    prefix: str | None = None

    @classmethod
    def parse(cls, text: str | None, *, where: str) -> Scope:
        """``""``/None (everything), ``group:NAME`` or a key prefix such as ``finance/``."""
        text = (text or "").strip()
        if not text or text == "*":
            return cls()
        if text.startswith("group:"):
            name = text.removeprefix("group:").strip()
            if not name:
                raise AuthError(f"{where}: scope 'group:' names no group: give group:NAME, e.g. group:finance")
            return cls(group=name)
        if ":" in text or " " in text:
            raise AuthError(
                f"{where}: scope {text!r} is neither group:NAME nor an asset key prefix: give e.g. "
                "group:finance or finance/"
            )
        return cls(prefix=text.strip("/"))

    @property
    def everything(self) -> bool:
        """Whether the scope limits nothing."""
        return self.group is None and self.prefix is None

    def to_string(self) -> str:
        """The stored and shown form (``""`` for everything)."""
        if self.group is not None:
            return f"group:{self.group}"
        return f"{self.prefix}/" if self.prefix is not None else ""

    def covers(self, key: str, group: str | None) -> bool:
        """Whether the asset ``key`` (``a/b``) in ``group`` is inside the scope."""
        if self.group is not None:
            return group == self.group
        if self.prefix is not None:
            return key == self.prefix or key.startswith(self.prefix + "/")
        return True


@dataclass(frozen=True, kw_only=True, slots=True)
class Grant:
    """A role with its scope: what one user may do."""

    role: Role
    scope: Scope = Scope()

    def allows(self, permission: Permission) -> bool:
        """Whether the role is high enough for ``permission`` (scope aside)."""
        return self.role.rank >= LEAST_ROLE[permission].rank

    def outside(self, assets: Iterable[tuple[str, str | None]]) -> list[str]:
        """The keys of ``assets`` (key, group) outside the scope: what this grant may not launch."""
        return [key for key, group in assets if not self.scope.covers(key, group)]

    def permissions(self) -> list[str]:
        """Every permission the role has, for the UI to hide what it cannot do."""
        return [p.value for p in Permission if self.allows(p)]

    def describe(self) -> str:
        """``launcher`` or ``launcher of group:finance``."""
        return self.role.value + (f" of {self.scope.to_string()}" if not self.scope.everything else "")


FULL: Final = Grant(role=Role.ADMIN)
"""What a single-user setup (no users) and the shared server token may do."""
