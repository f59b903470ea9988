"""Recent value events (materializations, observations) of many assets in one query.

Serves lineage ("why has this asset its value?"), which reads the recent history of every
input of a level of the tree at once instead of one query per input. Never imports user code.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from sqlalchemy import func, select

from headwater.events import EventRecord, EventType
from headwater.keys import AssetKey
from headwater.storage.extension import StorageExtension
from headwater.storage.rows import row_to_record
from headwater.storage.schema import events

_IN_CHUNK: Final = 1000
"""Keys per ``IN (...)`` list: far below SQLite's and PostgreSQL's bound-parameter limits."""


class ValueHistory(StorageExtension):
    """The newest events of chosen types for a set of assets, ``per_key`` at most each."""

    def recent(
        self, keys: Collection[AssetKey], types: Collection[EventType], per_key: int
    ) -> dict[AssetKey, list[EventRecord]]:
        """Key -> its newest events of ``types`` (newest first, at most ``per_key``); one query per 1,000 keys."""
        names = sorted({key.to_string() for key in keys})
        out: dict[AssetKey, list[EventRecord]] = {AssetKey.parse(name): [] for name in names}
        if not names or per_key <= 0:
            return out
        rank = func.row_number().over(partition_by=events.c.asset_key, order_by=events.c.id.desc()).label("rank")
        with self.storage._read("read asset histories") as conn:
            for i in range(0, len(names), _IN_CHUNK):
                ranked = (
                    select(events, rank)
                    .where(
                        events.c.asset_key.in_(names[i : i + _IN_CHUNK]),
                        events.c.type.in_([EventType(t).value for t in types]),
                    )
                    .subquery()
                )
                stmt = select(ranked).where(ranked.c.rank <= per_key).order_by(ranked.c.id.desc())
                for row in conn.execute(stmt):
                    record = row_to_record(row)
                    if record.event.asset_key is not None:
                        out[record.event.asset_key].append(record)
        return out
