"""Storage methods that read the latest-event index, mixed into ``Storage``: each asset's latest
materialization, observation or failure, an asset's events, and the check verdicts on current values.

Owns these reads on ``asset_latest``, ``check_latest`` and ``events``; it writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from typing import Any, Final, cast

from sqlalchemy import Connection, Select, and_, func, select

from headwater.errors import StorageError, did_you_mean
from headwater.events import CheckOutcome, Event, EventRecord, EventType
from headwater.keys import AssetKey
from headwater.storage.rows import CheckVerdict, row_to_record
from headwater.storage.schema import asset_latest, check_latest, events
from headwater.storage.writes import KINDS

_EVENT_TYPES: Final = {t.value: t for t in EventType}
_JSON: Final = json.JSONDecoder()

# Bound parameters per IN (...) list; SQLite allows 32,766 per statement, PostgreSQL 65,535.
IN_CHUNK: Final = 1000


class LatestReads:
    """Latest events per asset and partition, an asset's event history, current check verdicts."""

    _read: Callable[[str], AbstractContextManager[Connection]]

    def latest(
        self,
        kind: str = "materialization",
        keys: Collection[AssetKey] | None = None,
        partition: str | None = None,
    ) -> dict[AssetKey, EventRecord]:
        """The latest event of ``kind`` per asset for one partition (None: unpartitioned).

        ``kind`` is ``"materialization"``, ``"observation"`` or ``"failure"`` (a STEP_FAILED
        event naming the asset in ``data["asset_keys"]``). ``keys`` None means every asset.
        """
        stmt = self._latest_query(kind).where(asset_latest.c.partition == (partition or ""))
        result: dict[AssetKey, EventRecord] = {}
        with self._read("read latest events") as conn:
            if keys is None:
                batches: list[Select[Any]] = [stmt]
            else:
                names = sorted({key.to_string() for key in keys})
                batches = [
                    stmt.where(asset_latest.c.asset_key.in_(names[i : i + IN_CHUNK]))
                    for i in range(0, len(names), IN_CHUNK)
                ]
            for batch in batches:
                for row in conn.execute(batch):
                    result[AssetKey.parse(row.latest_key)] = row_to_record(row)
        return result

    def latest_records(
        self, kind: str = "materialization", partition: str | None = None
    ) -> dict[AssetKey, EventRecord]:
        """What ``latest(kind, None, partition)`` returns, read as plain tuples: the fast path for whole graphs."""
        self._latest_query(kind)  # checks the kind
        stmt = (
            select(
                events.c.id,
                events.c.run_id,
                events.c.type,
                events.c.timestamp,
                events.c.step_key,
                events.c.partition,
                events.c.data,
                asset_latest.c.asset_key,
            )
            .join(asset_latest, asset_latest.c.event_id == events.c.id)
            .where(asset_latest.c.kind == kind, asset_latest.c.partition == (partition or ""))
        )
        with self._read("read latest events") as conn:
            rows = cast("list[tuple[int, str, str, float, str | None, str | None, str, str]]", conn.execute(stmt).all())
        # Stored JSON is compact, so raw_decode (no whitespace scanning) reads it as json.loads would.
        parse, decode, types = AssetKey.parse, _JSON.raw_decode, _EVENT_TYPES
        out: dict[AssetKey, EventRecord] = {}
        for event_id, run_id, type_, timestamp, step_key, part, data, name in rows:
            key = parse(name)
            event = Event(
                run_id=run_id,
                type=types[type_],
                timestamp=timestamp,
                step_key=step_key,
                asset_key=key,
                partition=part,
                data=decode(data)[0],
            )
            out[key] = EventRecord(id=event_id, event=event)
        return out

    def latest_all_partitions(self, key: AssetKey, kind: str = "materialization") -> dict[str, EventRecord]:
        """The latest event of ``kind`` for each partition of ``key`` ('' is the unpartitioned one)."""
        stmt = self._latest_query(kind).where(asset_latest.c.asset_key == key.to_string())
        with self._read("read latest events") as conn:
            return {row.latest_partition: row_to_record(row) for row in conn.execute(stmt)}

    def partition_code_versions(self, key: AssetKey, *, versions: bool = True) -> dict[str, tuple[int, str | None]]:
        """Partition -> (event id, code version) of the latest materialization of each partition of
        ``key``: one query over plain tuples, each event's JSON read only for its code version (not at
        all with ``versions=False``, which gives None for each)."""
        columns = [asset_latest.c.partition, asset_latest.c.event_id]
        stmt = select(*columns, events.c.data) if versions else select(*columns)
        if versions:
            stmt = stmt.join(events, events.c.id == asset_latest.c.event_id)
        stmt = stmt.where(
            asset_latest.c.asset_key == key.to_string(),
            asset_latest.c.kind == "materialization",
            asset_latest.c.partition != "",
        )
        with self._read("read code versions per partition") as conn:
            rows = cast("list[tuple[str, int, str]]", conn.execute(stmt).all())
        if not versions:
            return {row[0]: (row[1], None) for row in rows}
        decode = _JSON.decode
        out: dict[str, tuple[int, str | None]] = {}
        for partition, event_id, data in rows:
            version = decode(data).get("code_version") if "code_version" in data else None
            out[partition] = (event_id, version if isinstance(version, str) else None)
        return out

    def partition_failed_checks(self, key: AssetKey) -> dict[str, list[tuple[str, int]]]:
        """Partition -> (check name, event id) of each check whose latest evaluation of that partition
        of ``key`` failed (one indexed query; the caller compares the ids with the partition's
        materialization to know whether an evaluation judges its current value)."""
        c = check_latest.c
        stmt = select(c.partition, c.check_name, c.event_id).where(
            c.asset_key == key.to_string(), c.partition != "", c.outcome == CheckOutcome.FAILED.value
        )
        out: dict[str, list[tuple[str, int]]] = {}
        with self._read("read failed checks per partition") as conn:
            rows = cast("list[tuple[str, str, int]]", conn.execute(stmt).all())
        for partition, name, event_id in rows:
            out.setdefault(partition, []).append((name, event_id))
        return out

    def latest_of_partitions(
        self, keys: Collection[AssetKey], kind: str = "materialization"
    ) -> dict[AssetKey, dict[str, EventRecord]]:
        """The latest event of ``kind`` for each partition (not the unpartitioned one) of each of ``keys``:
        what ``latest_all_partitions`` gives one asset, for many in one query per thousand keys."""
        stmt = self._latest_query(kind).where(asset_latest.c.partition != "")
        names = sorted({key.to_string() for key in keys})
        out: dict[AssetKey, dict[str, EventRecord]] = {}
        with self._read("read latest events") as conn:
            for i in range(0, len(names), IN_CHUNK):
                batch = stmt.where(asset_latest.c.asset_key.in_(names[i : i + IN_CHUNK]))
                for row in conn.execute(batch):
                    out.setdefault(AssetKey.parse(row.latest_key), {})[row.latest_partition] = row_to_record(row)
        return out

    def latest_of_any_partition(
        self, kind: str = "materialization", keys: Collection[AssetKey] | None = None
    ) -> dict[AssetKey, EventRecord]:
        """The newest event of ``kind`` per asset over all its partitions (the unpartitioned one
        included); ``keys`` None means every asset. One query per thousand keys."""
        _check_kind(kind)
        newest = select(asset_latest.c.asset_key, func.max(asset_latest.c.event_id).label("newest")).where(
            asset_latest.c.kind == kind
        )
        names = sorted({k.to_string() for k in keys}) if keys is not None else None
        batches = (
            [newest]
            if names is None
            else [
                newest.where(asset_latest.c.asset_key.in_(names[i : i + IN_CHUNK]))
                for i in range(0, len(names), IN_CHUNK)
            ]
        )
        out: dict[AssetKey, EventRecord] = {}
        with self._read("read latest events") as conn:
            for batch in batches:
                ids = batch.group_by(asset_latest.c.asset_key).subquery()
                stmt = select(events, ids.c.asset_key.label("latest_key")).join(ids, ids.c.newest == events.c.id)
                for row in conn.execute(stmt):
                    out[AssetKey.parse(row.latest_key)] = row_to_record(row)
        return out

    def asset_events(
        self,
        key: AssetKey,
        *,
        types: Collection[EventType] = (EventType.ASSET_MATERIALIZED,),
        limit: int = 20,
        before_id: int | None = None,
    ) -> list[EventRecord]:
        """An asset's events of ``types``, newest first; page with ``before_id`` (the last id seen)."""
        stmt = select(events).where(
            events.c.asset_key == key.to_string(),
            events.c.type.in_([EventType(t).value for t in types]),
        )
        if before_id is not None:
            stmt = stmt.where(events.c.id < before_id)
        stmt = stmt.order_by(events.c.id.desc()).limit(limit)
        with self._read("read asset events") as conn:
            return [row_to_record(row) for row in conn.execute(stmt)]

    def check_verdicts(
        self, keys: Collection[AssetKey] | None = None, partition: str | None = None, *, with_payload: bool = False
    ) -> list[CheckVerdict]:
        """The latest evaluation of each check of each asset that judges the asset's current value, in id order.

        An evaluation judges the current value when it was recorded after the asset's latest
        materialization and observation at that partition (or when there is none). One query for every
        asset (``keys`` None), or one per thousand keys; ``partition`` None means unpartitioned.
        ``with_payload`` also reads each evaluation's event data (metadata, description, error).
        """
        place = partition or ""
        made = asset_latest.alias("made")
        seen = asset_latest.alias("seen")
        columns = [
            check_latest.c.asset_key,
            check_latest.c.check_name,
            check_latest.c.outcome,
            check_latest.c.blocking,
            check_latest.c.event_id,
            check_latest.c.run_id,
            check_latest.c.timestamp,
        ]
        joined = check_latest.outerjoin(
            made,
            and_(
                made.c.asset_key == check_latest.c.asset_key,
                made.c.partition == place,
                made.c.kind == "materialization",
            ),
        ).outerjoin(
            seen,
            and_(seen.c.asset_key == check_latest.c.asset_key, seen.c.partition == place, seen.c.kind == "observation"),
        )
        if with_payload:
            columns.append(events.c.data)
            joined = joined.join(events, events.c.id == check_latest.c.event_id)
        stmt = (
            select(*columns)
            .select_from(joined)
            .where(
                check_latest.c.partition == place,
                check_latest.c.event_id > func.coalesce(made.c.event_id, 0),
                check_latest.c.event_id > func.coalesce(seen.c.event_id, 0),
            )
            .order_by(check_latest.c.event_id)
        )
        names = None if keys is None else sorted({key.to_string() for key in keys})
        batches = (
            [stmt]
            if names is None
            else [
                stmt.where(check_latest.c.asset_key.in_(names[i : i + IN_CHUNK]))
                for i in range(0, len(names), IN_CHUNK)
            ]
        )
        outcomes = {o.value: o for o in CheckOutcome}
        parse = AssetKey.parse
        with self._read("read check verdicts") as conn:
            found = cast(
                "list[tuple[str, str, str, int, int, str, float, str | None]]",
                [tuple(row) for batch in batches for row in conn.execute(batch)],
            )
        if names is not None and len(batches) > 1:
            found.sort(key=lambda r: r[4])
        return [
            CheckVerdict(
                asset_key=parse(row[0]),
                check=row[1],
                partition=partition,
                outcome=outcomes[row[2]],
                blocking=bool(row[3]),
                event_id=int(row[4]),
                run_id=row[5],
                timestamp=row[6],
                payload=row[7] if with_payload else None,
            )
            for row in found
        ]

    def _latest_query(self, kind: str) -> Select[Any]:
        _check_kind(kind)
        return (
            select(
                events,
                asset_latest.c.asset_key.label("latest_key"),
                asset_latest.c.partition.label("latest_partition"),
            )
            .join(asset_latest, asset_latest.c.event_id == events.c.id)
            .where(asset_latest.c.kind == kind)
        )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise StorageError(
            f"unknown latest-event kind {kind!r}{did_you_mean(kind, KINDS)}: "
            f"use one of {', '.join(repr(k) for k in KINDS)}"
        )
