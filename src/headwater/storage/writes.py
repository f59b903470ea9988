"""The write path of ``Storage.store_events``: append a batch of events and update the index tables.

Owns the statements that keep ``runs`` and ``asset_latest`` in step with ``events`` inside the
caller's transaction; it opens no transactions and reads nothing back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

from sqlalchemy import Connection, Dialect, Insert, Table, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from headwater.errors import StorageError
from headwater.events import RUN_END_TYPES, RUN_STATUS_BY_EVENT, CheckEvaluated, Event, EventType, RunStatus
from headwater.keys import AssetKey
from headwater.storage.rows import EventRow, describe, dump_json, event_to_row
from headwater.storage.schema import asset_latest, check_latest, events, runs

KIND_BY_EVENT: Final = {
    EventType.ASSET_MATERIALIZED: "materialization",
    EventType.ASSET_OBSERVED: "observation",
    EventType.ASSET_STAGED: "staged",
    EventType.ASSET_PUBLISHED: "settled",
    EventType.ASSET_DISCARDED: "settled",
}
KINDS: Final = ("materialization", "observation", "failure", "staged", "settled")
"""The kinds of ``asset_latest`` rows; ``failure`` comes from STEP_FAILED ``data["asset_keys"]``;
``staged`` is the latest value held back for its checks, ``settled`` the latest publish or discard
of one (a staged value is still held back while it is newer than the latest settled)."""

_EVENT_COLUMNS: Final = ("run_id", "type", "timestamp", "step_key", "asset_key", "partition", "data")
_LATEST_COLUMNS: Final = ("asset_key", "partition", "kind", "event_id", "run_id", "timestamp")
_CHECK_COLUMNS: Final = (
    "asset_key",
    "check_name",
    "partition",
    "event_id",
    "run_id",
    "timestamp",
    "outcome",
    "blocking",
)
_R = TypeVar("_R")
_T = TypeVar("_T")

_INSERT_EVENTS: Final = insert(events).returning(events.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """Events checked and converted to rows before any transaction starts."""

    events: Sequence[Event]
    rows: list[EventRow]
    latest_keys: list[list[tuple[str, str]]]  # per event: (asset key, kind) pairs it updates


class EventRowWriter:
    """Writes batches of events for one dialect.

    On SQLite it runs SQL compiled once from the same tables straight on the driver's cursor: the
    calls are in-process and cheap, while SQLAlchemy's per-statement work would be most of the
    cost of a small batch. On PostgreSQL it sends all
    events in one multi-row INSERT ... RETURNING to save network round trips.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._sqlite = dialect.name == "sqlite"
        self._upsert = _build_upsert(dialect.name, asset_latest, ("asset_key", "partition", "kind"))
        self._check_upsert = _build_upsert(dialect.name, check_latest, ("asset_key", "check_name", "partition"))
        self._insert_sql = self._upsert_sql = self._check_sql = ""
        if self._sqlite:
            self._insert_sql = _compile(insert(events), dialect, _EVENT_COLUMNS)
            self._upsert_sql = _compile(self._upsert, dialect, _LATEST_COLUMNS)
            self._check_sql = _compile(self._check_upsert, dialect, _CHECK_COLUMNS)

    def prepare(self, batch: Sequence[Event]) -> PreparedBatch:
        """Convert and check every event; raises StorageError naming the first bad one."""
        count = len(batch)
        return PreparedBatch(
            events=batch,
            rows=[event_to_row(e, i, count) for i, e in enumerate(batch, start=1)],
            latest_keys=[_latest_keys(e, i, count) for i, e in enumerate(batch, start=1)],
        )

    def write(self, conn: Connection, batch: PreparedBatch) -> list[int]:
        """Insert the batch and update the index tables; return the new ids in order."""
        if self._sqlite:
            ids = self._driver_call(conn, self._sqlite_insert, batch.rows)
        else:
            params = batch.rows[0] if len(batch.rows) == 1 else batch.rows
            inserted: Sequence[Any] = conn.execute(_INSERT_EVENTS, params).scalars().all()
            ids = [int(i) for i in inserted]
        latest: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        verdicts: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        for event, event_id, keys in zip(batch.events, ids, batch.latest_keys, strict=True):
            partition = event.partition or ""
            for key, kind in keys:
                # Later events in the batch replace earlier ones for the same row.
                latest[(key, partition, kind)] = (
                    key,
                    partition,
                    kind,
                    event_id,
                    event.run_id,
                    event.timestamp,
                )
            if event.type is EventType.CHECK_EVALUATED and event.asset_key is not None:
                verdict = CheckEvaluated.from_data(event.data)
                name = event.asset_key.to_string()
                verdicts[(name, verdict.check, partition)] = (
                    name,
                    verdict.check,
                    partition,
                    event_id,
                    event.run_id,
                    event.timestamp,
                    verdict.outcome.value,
                    int(verdict.blocking),
                )
            elif event.type in RUN_STATUS_BY_EVENT:
                conn.execute(_run_update(event))
        self._upsert_rows(conn, self._upsert, self._upsert_sql, _LATEST_COLUMNS, latest)
        self._upsert_rows(conn, self._check_upsert, self._check_sql, _CHECK_COLUMNS, verdicts)
        return ids

    def _upsert_rows(
        self, conn: Connection, stmt: Insert, sql: str, columns: Sequence[str], rows: dict[Any, tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        if self._sqlite:
            self._driver_call(conn, lambda cursor, values: cursor.executemany(sql, values), list(rows.values()))
        else:
            conn.execute(stmt, [dict(zip(columns, v, strict=True)) for v in rows.values()])

    def _sqlite_insert(self, cursor: Any, rows: list[EventRow]) -> list[int]:
        ids = []
        for row in rows:
            cursor.execute(self._insert_sql, tuple(row[c] for c in _EVENT_COLUMNS))
            ids.append(cursor.lastrowid)
        return ids

    @staticmethod
    def _driver_call(conn: Connection, fn: Callable[[Any, _R], _T], rows: _R) -> _T:
        """Run ``fn(cursor, rows)`` on the driver's cursor, raising driver errors as SQLAlchemy's."""
        dbapi = conn.dialect.loaded_dbapi
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            return fn(cursor, rows)
        except dbapi.Error as exc:
            raise DBAPIError.instance(None, None, exc, dbapi.Error, dialect=conn.dialect) from exc
        finally:
            cursor.close()


def _compile(stmt: ClauseElement, dialect: Dialect, columns: Sequence[str]) -> str:
    compiled = cast(SQLCompiler, stmt.compile(dialect=dialect, column_keys=list(columns)))
    if tuple(compiled.positiontup or ()) != tuple(columns):
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup} in {compiled}")
    return str(compiled)


def _build_upsert(dialect_name: str, table: Table, keys: Sequence[str]) -> Insert:
    """Insert a latest-event row, or replace the stored one with a newer event's."""
    dialect_insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    stmt = dialect_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys},
        # Concurrent PostgreSQL writers can commit out of id order; an older event never wins.
        where=table.c.event_id < stmt.excluded.event_id,
    )


def _latest_keys(event: Event, position: int, count: int) -> list[tuple[str, str]]:
    kind = KIND_BY_EVENT.get(event.type)
    if kind is not None and event.asset_key is not None:
        return [(event.asset_key.to_string(), kind)]
    if event.type is EventType.STEP_FAILED:
        names = event.data.get("asset_keys", [])
        try:
            if isinstance(names, str):
                raise TypeError("a single string, not a list")
            return [(AssetKey.parse(name).to_string(), "failure") for name in names]
        except Exception as exc:
            raise StorageError(
                f"cannot store event {position} of {count} ({describe(event)}): data['asset_keys'] "
                f"must be a list of asset key strings such as ['mart/revenue'], got {names!r}. "
                "Nothing from this batch was stored."
            ) from exc
    return []


_UNFINISHED: Final = (RunStatus.QUEUED.value, RunStatus.STARTED.value)


def _run_update(event: Event) -> Any:
    """The run's new status, conditional on its current one: a queued run starts, an unfinished run
    ends, and a finished run's status never changes again."""
    values: dict[str, Any] = {"status": RUN_STATUS_BY_EVENT[event.type].value}
    if event.type in RUN_END_TYPES:
        error = event.data.get("error")
        values["finished_at"] = event.timestamp
        values["error"] = error if error is None or isinstance(error, str) else dump_json(error)
        allowed: tuple[str, ...] = _UNFINISHED
    else:
        values["started_at"] = event.timestamp
        allowed = (RunStatus.QUEUED.value,)
    return update(runs).where(runs.c.run_id == event.run_id, runs.c.status.in_(allowed)).values(values)
