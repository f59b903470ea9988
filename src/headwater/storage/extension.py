"""The base of query groups that extend :class:`Storage` with tables of their own.

Shares the storage's engine, lock and error messages, and builds dialect-aware upserts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite

from headwater.storage.sql import Storage


class StorageExtension:
    """Queries on a :class:`Storage` for one concern (automation, the run queue, ...)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._postgres = storage._dialect == "postgresql"

    def _upsert(self, table: Any, keys: Sequence[str], values: dict[str, Any], updates: Collection[str]) -> Insert:
        """INSERT ... ON CONFLICT (keys) DO UPDATE SET the ``updates`` columns, for either dialect."""
        stmt = (postgresql.insert if self._postgres else sqlite.insert)(table).values(values)
        return stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys], set_={c: stmt.excluded[c] for c in updates}
        )
