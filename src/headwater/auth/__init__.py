"""Users, roles and the audit log: who may do what in the web UI and API, and the record of what
they did. Sits above storage (users and tokens are rows, the audit log is events) and below the
instance, web and CLI that use it; it never runs or loads user code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from headwater.lazy import lazy_attributes as _lazy_attributes

if TYPE_CHECKING:
    from headwater.auth.accounts import Accounts, User
    from headwater.auth.roles import Grant, Permission, Role, Scope

_EXPORTS = {
    "Accounts": "headwater.auth.accounts",
    "User": "headwater.auth.accounts",
    **dict.fromkeys(("Grant", "Permission", "Role", "Scope"), "headwater.auth.roles"),
}
__getattr__, __dir__ = _lazy_attributes(__name__, _EXPORTS, globals())

__all__ = ["Accounts", "Grant", "Permission", "Role", "Scope", "User"]
