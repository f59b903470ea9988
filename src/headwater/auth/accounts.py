"""``Accounts``: adding and changing users, checking their passwords (argon2) and their personal API
tokens (a random secret shown once; only its SHA-256 is stored, compared in constant time).

Owns the rules for names, passwords and tokens; the rows live in ``headwater.storage.users``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from headwater.auth.roles import Grant, Role, Scope
from headwater.errors import AuthError, did_you_mean
from headwater.storage import Storage
from headwater.storage.users import TokenRow, UserRow, UserStore

TOKEN_PREFIX: Final = "hw_"
_ID_LENGTH: Final = 16
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD: Final = 8
_HASHER: Final = PasswordHasher()
_DUMMY_HASH: Final = _HASHER.hash(secrets.token_urlsafe(16))
"""Verified against when the user does not exist, so a wrong name takes as long as a wrong password."""


@dataclass(frozen=True, kw_only=True, slots=True)
class User:
    """A user as the web and CLI see them: name, grant, whether a password is set."""

    name: str
    grant: Grant
    created_at: float
    has_password: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class IssuedToken:
    """A token just created: ``secret`` is the whole token, shown this once and never stored."""

    secret: str
    row: TokenRow


def _to_user(row: UserRow) -> User:
    where = f"user '{row.name}'"
    return User(
        name=row.name,
        grant=Grant(role=Role.parse(row.role, where=where), scope=Scope.parse(row.scope, where=where)),
        created_at=row.created_at,
        has_password=row.password_hash is not None,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    """Users and tokens of one event log."""

    def __init__(self, storage: Storage, *, clock: Callable[[], float] = time.time) -> None:
        self._store = UserStore(storage)
        self._clock = clock
        self.url = storage.url

    # -- users -----------------------------------------------------------------------------------

    def add_user(self, name: str, *, role: str, scope: str = "", password: str | None = None) -> User:
        """Add a user; AuthError for a bad name, role, scope or a short password."""
        if not _NAME.fullmatch(name):
            raise AuthError(
                f"user name {name!r} is not allowed: use 1 to 64 letters, digits and . _ @ -, starting "
                "with a letter or digit"
            )
        where = f"user '{name}'"
        grant = Grant(role=Role.parse(role, where=where), scope=Scope.parse(scope, where=where))
        row = UserRow(
            name=name,
            password_hash=self._hash(password, name) if password is not None else None,
            role=grant.role.value,
            scope=grant.scope.to_string(),
            created_at=self._clock(),
        )
        self._store.add_user(row)
        return _to_user(row)

    def get(self, name: str) -> User | None:
        """The user called ``name``, or None."""
        row = self._store.get_user(name)
        return _to_user(row) if row is not None else None

    def require(self, name: str) -> User:
        """The user called ``name``; AuthError with did-you-mean otherwise."""
        user = self.get(name)
        if user is None:
            names = [u.name for u in self._store.list_users()]
            raise AuthError(
                f"no user named {name!r} in {self.url}{did_you_mean(name, names)}: "
                "`headwater users list` shows them, `headwater users add NAME --role ROLE` adds one"
            )
        return user

    def all(self) -> list[User]:
        """Every user, by name."""
        return [_to_user(row) for row in self._store.list_users()]

    def any(self) -> bool:
        """Whether any user is configured (without users, the server is single-user)."""
        return self._store.count_users() > 0

    def set_role(self, name: str, role: str, *, scope: str | None = None) -> User:
        """Change a user's role (and scope, when given)."""
        self.require(name)
        where = f"user '{name}'"
        parsed = Role.parse(role, where=where)
        scoped = Scope.parse(scope, where=where).to_string() if scope is not None else None
        self._store.update_user(name, role=parsed.value, scope=scoped)
        return self.require(name)

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password."""
        self.require(name)
        self._store.update_user(name, password_hash=self._hash(password, name))

    def remove(self, name: str) -> None:
        """Remove a user and their tokens."""
        self.require(name)
        self._store.remove_user(name)

    def check_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (an unknown name costs the same time)."""
        row = self._store.get_user(name)
        stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return _to_user(row) if row is not None and row.password_hash else None

    @staticmethod
    def _hash(password: str, name: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise AuthError(f"the password of user '{name}' is too short: give at least {MIN_PASSWORD} characters")
        return _HASHER.hash(password)

    # -- tokens ----------------------------------------------------------------------------------

    def create_token(self, name: str, *, label: str = "", expires_in_days: float | None = 90) -> IssuedToken:
        """A new personal token of user ``name``; its secret is returned once and never stored."""
        self.require(name)
        if expires_in_days is not None and expires_in_days <= 0:
            raise AuthError(
                f"a token's expiry must be a positive number of days, got {expires_in_days:g}: give e.g. "
                "--expires-in 30, or --no-expiry"
            )
        token_id = secrets.token_hex(_ID_LENGTH // 2)
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        row = TokenRow(
            token_id=token_id,
            user_name=name,
            secret_hash=_digest(secret),
            label=label,
            created_at=now,
            expires_at=now + expires_in_days * 86400 if expires_in_days is not None else None,
            revoked_at=None,
        )
        self._store.add_token(row)
        return IssuedToken(secret=f"{TOKEN_PREFIX}{token_id}_{secret}", row=row)

    def revoke_token(self, token_id: str) -> TokenRow:
        """Revoke a token by its id (the part after ``hw_``, shown by ``headwater tokens list``)."""
        token_id = token_id.removeprefix(TOKEN_PREFIX)[:_ID_LENGTH]
        row = self._store.get_token(token_id)
        if row is None:
            raise AuthError(f"no token with id {token_id!r} in {self.url}: `headwater tokens list` shows the ids")
        if not self._store.revoke_token(token_id, self._clock()):
            raise AuthError(f"token {token_id!r} of user '{row.user_name}' was revoked already")
        return row

    def tokens(self, name: str | None = None) -> list[TokenRow]:
        """Tokens (of one user, if given), oldest first."""
        return self._store.list_tokens(name)

    def check_token(self, presented: str) -> User | None:
        """The user a personal token belongs to, or None when it is unknown, wrong, expired or revoked."""
        if not presented.startswith(TOKEN_PREFIX):
            return None
        body = presented.removeprefix(TOKEN_PREFIX)
        token_id, secret = body[:_ID_LENGTH], body[_ID_LENGTH + 1 :]
        row = self._store.get_token(token_id) if len(body) > _ID_LENGTH and body[_ID_LENGTH] == "_" else None
        expected = row.secret_hash if row is not None else _digest(secrets.token_urlsafe(32))
        matches = secrets.compare_digest(_digest(secret), expected)
        if row is None or not matches or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= self._clock():
            return None
        return self.get(row.user_name)


def token_state(row: TokenRow, now: float) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"
