"""Schema version 6, frozen: the users table (name, password hash, role and scope) and the api_tokens
table (personal tokens, stored as a hash of their secret, with an expiry and a revocation time)."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Double, Index, MetaData, String, Table, Text

_metadata = MetaData()

Table(
    "users",
    _metadata,
    Column("name", String(255), primary_key=True),
    Column("password_hash", Text),
    Column("role", String(16), nullable=False),
    Column("scope", String(512), nullable=False),
    Column("created_at", Double, nullable=False),
)

Table(
    "api_tokens",
    _metadata,
    Column("token_id", String(64), primary_key=True),
    Column("user_name", String(255), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("label", String(255), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double),
    Column("revoked_at", Double),
    Index("ix_api_tokens_user_name", "user_name"),
)


def apply(conn: Connection) -> None:
    """Add ``users`` and ``api_tokens`` to a version-5 database."""
    _metadata.create_all(conn)
