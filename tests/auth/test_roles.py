"""Roles, scopes and what each allows."""

from __future__ import annotations

import pytest

from headwater.auth import Grant, Permission, Role, Scope
from headwater.errors import AuthError


def test_each_role_allows_what_the_one_before_does_and_more() -> None:
    allowed = {role: set(Grant(role=role).permissions()) for role in Role}
    assert allowed[Role.VIEWER] == set()
    assert allowed[Role.LAUNCHER] == {"launch", "cancel_own"}
    assert allowed[Role.EDITOR] == allowed[Role.LAUNCHER] | {"cancel_any", "switch", "report", "publish"}
    assert allowed[Role.ADMIN] == {p.value for p in Permission}


def test_a_scope_limits_launches_to_a_group_or_a_key_prefix() -> None:
    finance = Grant(role=Role.LAUNCHER, scope=Scope.parse("group:finance", where="test"))
    assert finance.outside([("a/b", "finance"), ("c", "mart"), ("d", None)]) == ["c", "d"]
    prefix = Scope.parse("finance/", where="test")
    assert prefix.covers("finance", None) and prefix.covers("finance/daily", None)
    assert not prefix.covers("financed", None)
    assert Scope.parse("", where="test").everything and prefix.to_string() == "finance/"
    with pytest.raises(AuthError, match=r"scope 'group:' names no group: give group:NAME"):
        Scope.parse("group:", where="user 'x'")
