"""Automation state in the event log: instigators (schedules, sensors), ticks and condition evaluations.

Owns these tables' queries; every method is one transaction and answers for all assets or runs at
once, so a daemon tick costs a bounded number of queries. Never imports user code or definitions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from headwater.keys import AssetKey
from headwater.storage.extension import StorageExtension
from headwater.storage.rows import dump_json
from headwater.storage.schema import (
    asset_automation,
    asset_latest,
    automation_evaluations,
    instigators,
    ticks,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class InstigatorState:
    """A schedule's or sensor's stored state: switched on/off (None: its default), cursor, last tick."""

    name: str
    kind: str
    enabled: bool | None
    cursor: str | None
    last_tick_at: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class TickRecord:
    """One evaluation of an instigator, and the runs it requested."""

    id: int
    instigator: str
    kind: str
    tick_key: str
    timestamp: float
    scheduled_at: float | None
    status: str
    run_ids: tuple[str, ...]
    cursor: str | None
    error: str | None
    data: dict[str, Any]
    duration: float | None = None
    """Seconds the evaluation took (sensor ticks)."""
    lag: float | None = None
    """Seconds between when the instigator was due and when its evaluation started (sensor ticks)."""


_TIMING = "__evaluation"
"""Where a tick's duration and lag are kept inside its stored data (read back into TickRecord fields)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AssetAutomationState:
    """The latest condition evaluation of an asset and when it was last requested."""

    asset_key: AssetKey
    evaluated_at: float
    requested: bool
    detail: dict[str, Any]
    last_requested_at: float | None
    last_run_id: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Evaluation:
    """One asset's evaluation in a tick, to record."""

    asset_key: AssetKey
    requested: bool
    detail: dict[str, Any]
    run_id: str | None = None


class AutomationStore(StorageExtension):
    """Automation queries on a :class:`Storage` (shares its engine, lock and error messages)."""

    # -- instigators ---------------------------------------------------------------------------------

    def instigator_states(self) -> dict[str, InstigatorState]:
        """Every stored instigator state by name (one query)."""
        with self.storage._read("read schedule and sensor states") as conn:
            rows = conn.execute(select(instigators)).all()
        return {
            r.name: InstigatorState(
                name=r.name,
                kind=r.kind,
                enabled=None if r.enabled is None else bool(r.enabled),
                cursor=r.cursor,
                last_tick_at=r.last_tick_at,
            )
            for r in rows
        }

    def set_enabled(self, name: str, kind: str, enabled: bool) -> None:
        """Switch a schedule or sensor on or off."""
        values = {"name": name, "kind": kind, "enabled": int(enabled), "updated_at": time.time()}
        with self.storage._write(f"switch '{name}' {'on' if enabled else 'off'}") as conn:
            conn.execute(self._upsert(instigators, ["name"], values, ["kind", "enabled", "updated_at"]))

    def save_instigator(self, name: str, kind: str, *, cursor: str | None, last_tick_at: float) -> None:
        """Store an instigator's cursor and last tick time (keeping its on/off switch)."""
        values = {"name": name, "kind": kind, "cursor": cursor, "last_tick_at": last_tick_at, "updated_at": time.time()}
        with self.storage._write(f"save the state of '{name}'") as conn:
            conn.execute(self._upsert(instigators, ["name"], values, ["kind", "cursor", "last_tick_at", "updated_at"]))

    # -- ticks -------------------------------------------------------------------------------------

    def start_tick(
        self, instigator: str, kind: str, tick_key: str, *, timestamp: float, scheduled_at: float | None = None
    ) -> tuple[TickRecord, bool]:
        """Record a tick under its idempotency key; returns ``(tick, True)``, or the existing tick and False."""
        values = {
            "instigator": instigator,
            "kind": kind,
            "tick_key": tick_key,
            "timestamp": timestamp,
            "scheduled_at": scheduled_at,
            "status": "started",
            "run_ids": "[]",
            "data": "{}",
        }
        try:
            with self.storage._write(f"start a tick of '{instigator}'") as conn:
                tick_id: int = conn.execute(insert(ticks).values(values).returning(ticks.c.id)).scalar_one()
            return _tick(values | {"id": tick_id, "cursor": None, "error": None}), True
        except IntegrityError:
            with self.storage._read("read a tick") as conn:
                row = conn.execute(select(ticks).where(ticks.c.tick_key == tick_key)).one()
            return _tick(row._asdict()), False

    def finish_tick(
        self,
        tick_id: int,
        *,
        status: str,
        run_ids: Sequence[str] = (),
        cursor: str | None = None,
        error: str | None = None,
        data: dict[str, Any] | None = None,
        duration: float | None = None,
        lag: float | None = None,
    ) -> None:
        """Store how a tick ended (with how long its evaluation took and how late it started, if given)."""
        stored = dict(data or {})
        if duration is not None or lag is not None:
            stored[_TIMING] = {"duration": duration, "lag": lag}
        values = {
            "status": status,
            "run_ids": dump_json(list(run_ids)),
            "cursor": cursor,
            "error": error,
            "data": dump_json(stored),
        }
        with self.storage._write("finish a tick") as conn:
            conn.execute(update(ticks).where(ticks.c.id == tick_id).values(values))

    def list_ticks(self, instigator: str | None = None, *, limit: int = 50) -> list[TickRecord]:
        """Ticks, newest first (of one instigator if given)."""
        stmt = select(ticks).order_by(ticks.c.id.desc()).limit(limit)
        if instigator is not None:
            stmt = stmt.where(ticks.c.instigator == instigator)
        with self.storage._read("list ticks") as conn:
            return [_tick(row._asdict()) for row in conn.execute(stmt)]

    def latest_ticks(self, instigators: Collection[str]) -> dict[str, TickRecord]:
        """The newest tick of each of ``instigators`` (one query per thousand names, over the
        instigator-and-id index)."""
        names = sorted(set(instigators))
        out: dict[str, TickRecord] = {}
        with self.storage._read("read the latest ticks") as conn:
            for start in range(0, len(names), 1000):
                newest = (
                    select(func.max(ticks.c.id))
                    .where(ticks.c.instigator.in_(names[start : start + 1000]))
                    .group_by(ticks.c.instigator)
                )
                for row in conn.execute(select(ticks).where(ticks.c.id.in_(newest))):
                    out[row.instigator] = _tick(row._asdict())
        return out

    def last_request_after(self, after: float) -> float | None:
        """When a schedule, sensor or condition tick last requested runs, if later than ``after`` (an
        index range over the ticks since ``after`` only); alert ticks do not count."""
        stmt = select(func.max(ticks.c.timestamp)).where(
            ticks.c.timestamp > after, ticks.c.status == "requested", ticks.c.kind != "alert"
        )
        with self.storage._read("read when automation last requested a run") as conn:
            found = conn.execute(stmt).scalar_one_or_none()
        return float(found) if found is not None else None

    # -- condition evaluations ---------------------------------------------------------------------

    def asset_automation_states(self, *, with_detail: bool = True) -> dict[AssetKey, AssetAutomationState]:
        """The latest evaluation of every asset (one query); ``with_detail=False`` skips decoding the
        evaluation trees when only the request times are needed."""
        columns = list(asset_automation.c) if with_detail else [c for c in asset_automation.c if c.name != "detail"]
        with self.storage._read("read asset automation state") as conn:
            rows = conn.execute(select(*columns)).all()
        return {
            AssetKey.parse(r.asset_key): AssetAutomationState(
                asset_key=AssetKey.parse(r.asset_key),
                evaluated_at=r.evaluated_at,
                requested=bool(r.requested),
                detail=json.loads(r.detail) if with_detail else {},
                last_requested_at=r.last_requested_at,
                last_run_id=r.last_run_id,
            )
            for r in rows
        }

    def last_requested_times(self) -> dict[str, float]:
        """When each asset was last requested by its condition, by printed key (one query)."""
        stmt = select(asset_automation.c.asset_key, asset_automation.c.last_requested_at).where(
            asset_automation.c.last_requested_at.is_not(None)
        )
        with self.storage._read("read when assets were last requested") as conn:
            return dict(conn.execute(stmt).all())

    def latest_update_times(self) -> dict[str, float]:
        """When each asset was last materialized or observed (any partition), by printed key (one query
        over the ``asset_latest`` index)."""
        stmt = (
            select(asset_latest.c.asset_key, func.max(asset_latest.c.timestamp))
            .where(asset_latest.c.kind.in_(["materialization", "observation"]))
            .group_by(asset_latest.c.asset_key)
        )
        with self.storage._read("read when assets were last updated") as conn:
            return dict(conn.execute(stmt).all())

    def partition_update_times(
        self, names: Collection[str], *, partitions: Collection[str] | None = None, since: float | None = None
    ) -> dict[str, dict[str, float]]:
        """When each partition of the assets ``names`` was last materialized or observed, by printed key
        and partition key: only the keys ``partitions`` when given, only updates after ``since`` when
        given (one query per thousand names and partition keys)."""
        stmt = (
            select(asset_latest.c.asset_key, asset_latest.c.partition, func.max(asset_latest.c.timestamp))
            .where(asset_latest.c.kind.in_(["materialization", "observation"]), asset_latest.c.partition != "")
            .group_by(asset_latest.c.asset_key, asset_latest.c.partition)
        )
        if since is not None:
            stmt = stmt.where(asset_latest.c.timestamp > since)
        sorted_names, parts = sorted(set(names)), sorted(set(partitions)) if partitions is not None else None
        out: dict[str, dict[str, float]] = {}
        with self.storage._read("read when partitions were last updated") as conn:
            for start in range(0, len(sorted_names), 1000):
                by_name = stmt.where(asset_latest.c.asset_key.in_(sorted_names[start : start + 1000]))
                chunks = (
                    [by_name]
                    if parts is None
                    else [
                        by_name.where(asset_latest.c.partition.in_(parts[i : i + 1000]))
                        for i in range(0, len(parts), 1000)
                    ]
                )
                for chunk in chunks:
                    for row in conn.execute(chunk):
                        out.setdefault(str(row[0]), {})[str(row[1])] = float(row[2])
        return out

    def record_evaluations(
        self, tick_id: int, timestamp: float, changed: Sequence[Evaluation], unchanged: Collection[AssetKey] = ()
    ) -> None:
        """Store evaluations that differ from each asset's previous one (history and latest), and
        touch the evaluation time of the others; one transaction, a fixed number of statements."""
        encoded: dict[int, str] = {}  # evaluations with equal values share one detail object
        history: list[tuple[Any, ...]] = []
        requested: list[tuple[Any, ...]] = []
        others: list[tuple[Any, ...]] = []
        for e in changed:
            detail = encoded.get(id(e.detail))
            if detail is None:
                detail = encoded[id(e.detail)] = dump_json(e.detail)
            name = e.asset_key.to_string()
            history.append((tick_id, name, timestamp, int(e.requested), e.run_id, detail))
            if e.requested:
                requested.append((name, timestamp, 1, detail, timestamp, e.run_id))
            else:
                others.append((name, timestamp, 0, detail))
        with self.storage._write("record condition evaluations") as conn:
            if history:
                _execute_many(conn, insert(automation_evaluations), _HISTORY_COLUMNS, history)
            if requested:
                _execute_many(conn, self._upsert_many(_LATEST_COLUMNS[1:]), _LATEST_COLUMNS, requested)
            if others:
                _execute_many(conn, self._upsert_many(_LATEST_COLUMNS[1:4]), _LATEST_COLUMNS[:4], others)
            names = [key.to_string() for key in unchanged]
            for start in range(0, len(names), 1000):
                chunk = names[start : start + 1000]
                stmt = update(asset_automation).where(asset_automation.c.asset_key.in_(chunk))
                conn.execute(stmt.values(evaluated_at=timestamp))

    def _upsert_many(self, updates: Sequence[str]) -> Insert:
        stmt = (postgresql.insert if self._postgres else sqlite.insert)(asset_automation)
        return stmt.on_conflict_do_update(
            index_elements=[asset_automation.c.asset_key], set_={c: stmt.excluded[c] for c in updates}
        )

    def evaluations(self, key: AssetKey, *, limit: int = 20) -> list[dict[str, Any]]:
        """An asset's recorded evaluations (those that changed something), newest first."""
        stmt = (
            select(automation_evaluations)
            .where(automation_evaluations.c.asset_key == key.to_string())
            .order_by(automation_evaluations.c.id.desc())
            .limit(limit)
        )
        with self.storage._read("read condition evaluations") as conn:
            return [
                {
                    "tick_id": r.tick_id,
                    "timestamp": r.timestamp,
                    "requested": bool(r.requested),
                    "run_id": r.run_id,
                    "detail": json.loads(r.detail),
                }
                for r in conn.execute(stmt)
            ]


_HISTORY_COLUMNS = ("tick_id", "asset_key", "timestamp", "requested", "run_id", "detail")
_LATEST_COLUMNS = ("asset_key", "evaluated_at", "requested", "detail", "last_requested_at", "last_run_id")


def _execute_many(conn: Connection, stmt: Insert, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Run ``stmt`` once per row of ``columns`` values, compiled once and handed to the driver as it
    is: SQLAlchemy's per-row parameter processing would cost more than the database for many rows."""
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    order = compiled.positiontup
    if order is None:  # a named paramstyle (psycopg)
        conn.exec_driver_sql(str(compiled), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    if tuple(order) != tuple(columns):
        position = {name: i for i, name in enumerate(columns)}
        rows = [tuple(row[position[name]] for name in order) for row in rows]
    conn.exec_driver_sql(str(compiled), rows)


def _tick(values: dict[str, Any]) -> TickRecord:
    data = json.loads(values["data"])
    timing = data.pop(_TIMING, None) or {}
    return TickRecord(
        id=values["id"],
        instigator=values["instigator"],
        kind=values["kind"],
        tick_key=values["tick_key"],
        timestamp=values["timestamp"],
        scheduled_at=values["scheduled_at"],
        status=values["status"],
        run_ids=tuple(json.loads(values["run_ids"])),
        cursor=values["cursor"],
        error=values["error"],
        data=data,
        duration=timing.get("duration"),
        lag=timing.get("lag"),
    )
