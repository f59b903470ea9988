"""``Storage``: the event log on SQLAlchemy Core, one implementation for SQLite and PostgreSQL.

Owns queries and transactions: appending events together with the index tables they update
(runs, asset_latest), and reading them back. It never imports user code, definitions or execution.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from headwater.errors import RunNotActive, StorageError, StorageUnavailableError
from headwater.events import (
    Event,
    EventRecord,
    EventType,
    RunRecord,
    RunStatus,
)
from headwater.storage import engine as engines
from headwater.storage import migrations
from headwater.storage.latest_reads import IN_CHUNK, LatestReads
from headwater.storage.partition_store import PartitionStore
from headwater.storage.rows import (
    LogRecord,
    row_to_log,
    row_to_record,
    row_to_run,
    run_to_row,
)
from headwater.storage.schema import events, runs, step_logs
from headwater.storage.writes import EventRowWriter


class Storage(LatestReads, PartitionStore):
    """The durable event log: runs, their events, per-asset latest events and step logs.

    Open it with :meth:`open` (a URL) or :meth:`in_memory`; it is safe to share between threads.
    Every write is one transaction; SQLite writers from several processes wait for each other.
    """

    url: str
    """The storage URL with its password masked: safe to print."""

    def __init__(self, engine: Engine, url: str) -> None:
        """Wrap an engine made by ``headwater.storage.engine.create``; prefer :meth:`open`."""
        self.url = url
        self._engine = engine
        self._read_engine = engines.read_only(engine)
        self._dialect = engine.dialect.name
        # An in-memory database is one shared connection, so threads must take turns with it.
        self._lock: AbstractContextManager[Any] = (
            threading.RLock() if isinstance(engine.pool, StaticPool) else nullcontext()
        )
        self._unreported: list[str] = []
        self._writer = EventRowWriter(engine.dialect)

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, migrate: bool = False) -> Storage:
        """Open the event log at ``url``, creating its tables if the database is empty.

        Args:
            url: ``sqlite:///abs/path.db``, ``sqlite://`` (in memory) or
                ``postgresql+psycopg://user:password@host/db`` (``postgresql://`` works too).
            migrate: upgrade a database made by an older Headwater instead of refusing it.

        Raises:
            SchemaVersionError: the schema is older (and ``migrate`` is false) or newer than this code.
            StorageUnavailableError: the database cannot be reached or opened.
        """
        parsed = engines.parse_url(url)
        if engines.is_memory(parsed):
            return cls.in_memory()
        storage = cls(engines.create(parsed), engines.mask(parsed))
        try:
            storage._prepare(migrate=migrate, password=parsed.password)
        except BaseException:
            storage.close()
            raise
        return storage

    @classmethod
    def in_memory(cls) -> Storage:
        """A fresh SQLite database in memory, shared by every thread of this process."""
        parsed = engines.parse_url("sqlite://")
        storage = cls(engines.create(parsed), "sqlite:// (in memory)")
        storage._prepare(migrate=False, password=None)
        return storage

    def _prepare(self, *, migrate: bool, password: str | None) -> None:
        try:
            with self._lock, self._read_engine.connect() as conn:
                version = migrations.read_version(conn)
        except OperationalError as exc:
            raise self._unavailable(exc, password) from exc
        except DBAPIError as exc:
            corrupt = engines.damaged_file(self._engine, _first_line(exc))
            if corrupt is None:
                raise
            raise corrupt from exc
        if version == migrations.latest_version():
            return
        if version is not None and not (migrate and version < migrations.latest_version()):
            migrations.check_version(version, self.url)
        with self._write("create or upgrade the schema") as conn:
            applied = migrations.upgrade(conn, self.url)
        self._unreported = [m.description for m in applied]

    def _unavailable(self, exc: OperationalError, password: str | None) -> StorageUnavailableError:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        if password:
            reason = reason.replace(password, "***")
        if self._dialect == "sqlite":
            hint = "check that the path is a file (not a directory) in a writable location, or change the storage URL"
        else:
            hint = (
                "check that the PostgreSQL server is running and reachable at that host and port, "
                "and that the user, password and database name in the storage URL are right"
            )
        return StorageUnavailableError(f"cannot open the event log at {self.url}: {reason}; {hint}")

    def close(self) -> None:
        """Release every connection (an in-memory database is gone afterwards)."""
        self._engine.dispose()

    def __repr__(self) -> str:
        return f"Storage({self.url!r})"

    def schema_version(self) -> int:
        """The schema version recorded in the database."""
        with self._read("read the schema version") as conn:
            return migrations.read_version(conn) or 0

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the descriptions of those applied.

        The list includes migrations that ``open(..., migrate=True)`` applied on this object
        and that no earlier call reported, so ``Storage.open(url, migrate=True).migrate()``
        tells what was done.
        """
        with self._write("migrate the schema") as conn:
            applied = migrations.upgrade(conn, self.url)
        done = [*self._unreported, *(m.description for m in applied)]
        self._unreported = []
        return done

    # -- transactions ----------------------------------------------------------------------------

    @contextmanager
    def _write(self, action: str) -> Iterator[Connection]:
        with self._lock, self._errors(action), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        with self._lock, self._errors(action), self._read_engine.connect() as conn:
            yield conn

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise StorageUnavailableError(
                f"cannot {action} in the event log at {self.url}: {_first_line(exc)}; check that the "
                "database is reachable and its disk is not full, then retry"
            ) from exc
        except IntegrityError:
            raise  # callers turn these into messages that name the record
        except DBAPIError as exc:
            corrupt = engines.damaged_file(self._engine, _first_line(exc))
            if corrupt is not None:
                raise corrupt from exc
            raise StorageError(
                f"cannot {action} in the event log at {self.url}: {_first_line(exc)}; if the schema "
                "was changed by hand, restore it (or a backup) and run `headwater migrate`"
            ) from exc

    # -- runs ------------------------------------------------------------------------------------

    def add_run(self, run: RunRecord) -> None:
        """Record a new run. Raises StorageError if its id is taken."""
        row = run_to_row(run)
        try:
            with self._write(f"add run '{run.run_id}'") as conn:
                conn.execute(insert(runs), row)
        except IntegrityError as exc:
            raise self._run_taken(run.run_id) from exc

    def record_run(self, run: RunRecord, events_: Sequence[Event]) -> list[int]:
        """Record a run that is over when it is recorded (a report of work done elsewhere): the run
        and all its events in one transaction, so a reader sees the whole run or none of it. The
        events move its status as ``store_events`` would. Raises StorageError if its id is taken."""
        row = run_to_row(run)
        batch = self._writer.prepare(events_)
        try:
            with self._write(f"record run '{run.run_id}'") as conn:
                conn.execute(insert(runs), row)
                return self._writer.write(conn, batch)
        except IntegrityError as exc:
            raise self._run_taken(run.run_id) from exc

    def _run_taken(self, run_id: str) -> StorageError:
        return StorageError(
            f"cannot add run '{run_id}' to the event log at {self.url}: a run with that id "
            "already exists; give each run a new id (e.g. uuid.uuid4().hex)"
        )

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or None."""
        with self._read("read a run") as conn:
            row = conn.execute(select(runs).where(runs.c.run_id == run_id)).first()
        return row_to_run(row) if row is not None else None

    def list_runs(
        self, *, limit: int = 50, offset: int = 0, statuses: Collection[RunStatus] | None = None
    ) -> list[RunRecord]:
        """Runs, newest (by ``created_at``) first, optionally only those with one of ``statuses``."""
        stmt = select(runs).order_by(runs.c.created_at.desc(), runs.c.run_id.desc())
        if statuses is not None:
            stmt = stmt.where(runs.c.status.in_([RunStatus(s).value for s in statuses]))
        stmt = stmt.limit(limit).offset(offset)
        with self._read("list runs") as conn:
            return [row_to_run(row) for row in conn.execute(stmt)]

    # -- events ----------------------------------------------------------------------------------

    def store_events(self, events_: Sequence[Event], *, for_run: str | None = None) -> list[int]:
        """Append events in one transaction, updating run status and the latest-event index.

        Returns the new event ids, in the order given. Nothing is stored if any event fails. With
        ``for_run`` (the run a process is executing), nothing is stored either unless that run is still
        started: RunNotActive is raised once it has ended (say the daemon's monitor marked it failed).
        """
        if not events_:
            return []
        batch = self._writer.prepare(events_)
        with self._write("store events") as conn:
            if for_run is not None:
                self._require_started(conn, for_run)
            return self._writer.write(conn, batch)

    def _require_started(self, conn: Connection, run_id: str) -> None:
        stmt = select(runs.c.status, runs.c.error).where(runs.c.run_id == run_id)
        if self._dialect == "postgresql":
            stmt = stmt.with_for_update()  # an end written meanwhile by another process waits for this one
        row = conn.execute(stmt).first()
        if row is not None and row.status == RunStatus.STARTED.value:
            return
        status = row.status if row is not None else "deleted"
        why = f" ({row.error})" if row is not None and row.error else ""
        raise RunNotActive(
            f"run '{run_id}' was marked {status}{why} while this process was running it; this process "
            f"stops without recording more; re-execute it with `headwater runs reexecute {run_id} --from-failure`"
        )

    def get_events(
        self,
        run_id: str,
        *,
        after_id: int = 0,
        limit: int | None = None,
        types: Collection[EventType] | None = None,
    ) -> list[EventRecord]:
        """A run's events with id above ``after_id``, in ascending id order."""
        stmt = select(events).where(events.c.run_id == run_id, events.c.id > after_id).order_by(events.c.id)
        if types is not None:
            stmt = stmt.where(events.c.type.in_([EventType(t).value for t in types]))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read("read events") as conn:
            return [row_to_record(row) for row in conn.execute(stmt)]

    def events_of_runs(
        self, run_ids: Collection[str], *, types: Collection[EventType] | None = None
    ) -> dict[str, list[EventRecord]]:
        """The events (of ``types``) of several runs, by run id, each in ascending id order: one query
        per thousand runs."""
        ids = sorted(set(run_ids))
        out: dict[str, list[EventRecord]] = {run_id: [] for run_id in ids}
        with self._read("read events") as conn:
            for i in range(0, len(ids), IN_CHUNK):
                stmt = select(events).where(events.c.run_id.in_(ids[i : i + IN_CHUNK])).order_by(events.c.id)
                if types is not None:
                    stmt = stmt.where(events.c.type.in_([EventType(t).value for t in types]))
                for row in conn.execute(stmt):
                    record = row_to_record(row)
                    out[record.event.run_id].append(record)
        return out

    # -- logs ------------------------------------------------------------------------------------

    def store_logs(self, run_id: str, step_key: str, text: str) -> None:
        """Append a chunk of a step's log text; empty text is ignored."""
        if not text:
            return
        row = {"run_id": run_id, "step_key": step_key, "timestamp": time.time(), "text": text}
        with self._write("store logs") as conn:
            conn.execute(insert(step_logs), row)

    def get_logs(self, run_id: str, step_key: str | None = None, *, after: int = 0) -> list[LogRecord]:
        """A run's log chunks (of one step, if given) in the order written; ``after``: only those
        written after the chunk with that id (for following a running step)."""
        stmt = select(step_logs).where(step_logs.c.run_id == run_id)
        if after:
            stmt = stmt.where(step_logs.c.id > after)
        if step_key is not None:
            stmt = stmt.where(step_logs.c.step_key == step_key)
        with self._read("read logs") as conn:
            return [row_to_log(row) for row in conn.execute(stmt.order_by(step_logs.c.id))]


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
