"""Turn a storage URL into SQLAlchemy engines: SQLite pragmas and locking, PostgreSQL driver choice.

Owns connection setup only; it knows no tables and runs no queries beyond connection pragmas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from headwater.errors import StorageError, StorageUnavailableError

READ_ONLY: Final = "headwater_read_only"
"""Execution option on the read engine: its transactions begin without taking SQLite's write lock."""

_URL_HELP: Final = "use sqlite:///path/to/headwater.db or postgresql+psycopg://user:password@host:5432/dbname"

_SQLITE_PRAGMAS: Final = (
    # busy_timeout first, so that switching to WAL waits for other writers instead of failing
    "PRAGMA busy_timeout=30000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)

# What SQLite says when a file is not a database or its pages are damaged.
_DAMAGED: Final = ("file is not a database", "database disk image is malformed")


def parse_url(url: str) -> URL:
    """Parse a storage URL, choosing the psycopg 3 driver for plain ``postgresql://`` URLs."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"cannot parse the storage URL {url!r}: {_URL_HELP}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(f"unsupported storage URL {mask(parsed)}: {_URL_HELP}")
    return parsed


def mask(url: URL) -> str:
    """The URL as text with its password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def create(url: URL) -> Engine:
    """Create the engine for writes; derive the read engine with :func:`read_only`."""
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = 10
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (NoSuchModuleError, ImportError) as exc:
        raise StorageError(
            f"no database driver for the storage URL {mask(url)} ({exc}): for PostgreSQL install "
            "the extra with `pip install 'headwater[postgres]'`"
        ) from exc


def read_only(engine: Engine) -> Engine:
    """The same engine (and pool) flagged so that its transactions do not take the write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def is_memory(url: URL) -> bool:
    """Whether ``url`` names an in-memory SQLite database."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def damaged_file(engine: Engine, reason: str) -> StorageUnavailableError | None:
    """The error for a SQLite file that is not a database or is damaged (``reason`` says so), else ``None``."""
    if engine.dialect.name != "sqlite" or not any(sign in reason for sign in _DAMAGED):
        return None
    return StorageUnavailableError(
        f"the SQLite event log file {engine.url.database} is not a usable database ({reason}): restore it "
        "from a backup, or move it away to start a new, empty event log there"
    )


def _sqlite_engine(url: URL) -> Engine:
    if is_memory(url):
        # One connection shared by every thread: the only way threads see the same in-memory database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        path = Path(url.database or "").expanduser().absolute()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailableError(
                f"cannot create the directory {path.parent} for the SQLite event log {mask(url)}: "
                f"{exc.strerror or exc}; choose a writable location for the storage URL "
                "or fix the directory's permissions"
            ) from exc
        engine = create_engine(
            url.set(database=str(path)),
            # The pool lends a connection to one thread at a time, so sqlite3's thread check is not needed.
            connect_args={"check_same_thread": False, "timeout": 30},
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from sqlite3 so that _on_begin decides how each one starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front (waiting on busy_timeout) rather than failing on upgrade
        # from a read lock mid-transaction; readers never block writers under WAL.
        statement = "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        dbapi = conn.dialect.loaded_dbapi
        try:
            # Straight to the driver: this runs once per transaction, and SQLAlchemy's statement
            # machinery would cost more than the BEGIN itself.
            conn.connection.driver_connection.execute(statement)
        except dbapi.Error as exc:
            raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=conn.dialect) from exc

    return engine
