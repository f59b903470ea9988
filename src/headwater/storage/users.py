"""Users and personal API tokens in the event log's database: rows in, rows out.

Owns the ``users`` and ``api_tokens`` queries. What a role allows, how passwords are hashed and how
a token is checked belong to ``headwater.auth``; this module stores strings and never sees a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from headwater.errors import StorageError
from headwater.storage.extension import StorageExtension
from headwater.storage.schema import api_tokens, users


@dataclass(frozen=True, kw_only=True, slots=True)
class UserRow:
    """A stored user."""

    name: str
    password_hash: str | None
    role: str
    scope: str
    created_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenRow:
    """A stored personal API token: the hash of its secret, never the secret."""

    token_id: str
    user_name: str
    secret_hash: str
    label: str
    created_at: float
    expires_at: float | None
    revoked_at: float | None


def _user(row: Row[tuple[object, ...]]) -> UserRow:
    m = row._mapping
    return UserRow(
        name=m["name"],
        password_hash=m["password_hash"],
        role=m["role"],
        scope=m["scope"],
        created_at=m["created_at"],
    )


def _token(row: Row[tuple[object, ...]]) -> TokenRow:
    m = row._mapping
    return TokenRow(
        token_id=m["token_id"],
        user_name=m["user_name"],
        secret_hash=m["secret_hash"],
        label=m["label"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        revoked_at=m["revoked_at"],
    )


class UserStore(StorageExtension):
    """User and token queries on a :class:`Storage`."""

    def add_user(self, user: UserRow) -> None:
        """Store a new user; StorageError if the name is taken."""
        try:
            with self.storage._write(f"add user '{user.name}'") as conn:
                conn.execute(
                    insert(users).values(
                        name=user.name,
                        password_hash=user.password_hash,
                        role=user.role,
                        scope=user.scope,
                        created_at=user.created_at,
                    )
                )
        except IntegrityError:
            raise StorageError(
                f"a user named '{user.name}' already exists in {self.storage.url}: pick another name, or change "
                f"this one with `headwater users set-role {user.name} ROLE`"
            ) from None

    def get_user(self, name: str) -> UserRow | None:
        """The user called ``name``, or None."""
        with self.storage._read("read a user") as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row is not None else None

    def list_users(self) -> list[UserRow]:
        """Every user, by name."""
        with self.storage._read("list users") as conn:
            return [_user(row) for row in conn.execute(select(users).order_by(users.c.name))]

    def count_users(self) -> int:
        """How many users there are (none: a single-user setup)."""
        with self.storage._read("count users") as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def update_user(
        self, name: str, *, role: str | None = None, scope: str | None = None, password_hash: str | None = None
    ) -> bool:
        """Change a user's role, scope or password hash; False when there is no such user."""
        values = {
            k: v for k, v in {"role": role, "scope": scope, "password_hash": password_hash}.items() if v is not None
        }
        with self.storage._write(f"update user '{name}'") as conn:
            changed = conn.execute(update(users).where(users.c.name == name).values(values)).rowcount
        return bool(changed)

    def remove_user(self, name: str) -> bool:
        """Delete a user and every token of theirs; False when there is no such user."""
        with self.storage._write(f"remove user '{name}'") as conn:
            conn.execute(delete(api_tokens).where(api_tokens.c.user_name == name))
            removed = conn.execute(delete(users).where(users.c.name == name)).rowcount
        return bool(removed)

    def add_token(self, token: TokenRow) -> None:
        """Store a new token row."""
        with self.storage._write(f"add a token of '{token.user_name}'") as conn:
            conn.execute(
                insert(api_tokens).values(
                    token_id=token.token_id,
                    user_name=token.user_name,
                    secret_hash=token.secret_hash,
                    label=token.label,
                    created_at=token.created_at,
                    expires_at=token.expires_at,
                    revoked_at=token.revoked_at,
                )
            )

    def get_token(self, token_id: str) -> TokenRow | None:
        """The token with this public id, or None."""
        with self.storage._read("read a token") as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
        return _token(row) if row is not None else None

    def list_tokens(self, user_name: str | None = None) -> list[TokenRow]:
        """Tokens (of one user, if given), oldest first."""
        stmt = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.token_id)
        if user_name is not None:
            stmt = stmt.where(api_tokens.c.user_name == user_name)
        with self.storage._read("list tokens") as conn:
            return [_token(row) for row in conn.execute(stmt)]

    def revoke_token(self, token_id: str, at: float) -> bool:
        """Mark a token revoked; False when there is no such token or it was revoked already."""
        stmt = (
            update(api_tokens)
            .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        with self.storage._write(f"revoke token '{token_id}'") as conn:
            return bool(conn.execute(stmt).rowcount)
