"""Users, roles and the audit log: who may do what in the web UI and API, and the record of what
they did. Sits above storage (users and tokens are rows, the audit log is events) and below the
instance, web and CLI that use it; it never runs or loads user code."""

from __future__ import annotations

from headwater.auth.accounts import Accounts, User
from headwater.auth.roles import Grant, Permission, Role, Scope

__all__ = ["Accounts", "Grant", "Permission", "Role", "Scope", "User"]
