"""Storage URLs, connection errors, SQLite pragmas and write locking."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from headwater.errors import StorageError, StorageUnavailableError
from headwater.storage import Storage
from headwater.storage import engine as engines


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_plain_postgresql_urls_use_psycopg() -> None:
    assert engines.parse_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert engines.parse_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    assert engines.parse_url("postgresql+psycopg://u:p@h/db").drivername == "postgresql+psycopg"


def test_masked_url_hides_the_password() -> None:
    url = engines.parse_url("postgresql://hw:s3cret-pw@db.example:5432/headwater")
    assert engines.mask(url) == "postgresql+psycopg://hw:***@db.example:5432/headwater"


def test_unsupported_url_says_what_to_use() -> None:
    with pytest.raises(StorageError, match=r"unsupported storage URL mysql://u:\*\*\*@h/db: use sqlite:///"):
        Storage.open("mysql://u:pw@h/db")
    with pytest.raises(StorageError, match=r"cannot parse the storage URL 'not a url': use sqlite:///"):
        Storage.open("not a url")


def test_unreachable_postgres_names_the_masked_url() -> None:
    port = _unused_port()
    with pytest.raises(StorageUnavailableError) as info:
        Storage.open(f"postgresql://hw:s3cret-pw@127.0.0.1:{port}/headwater")
    message = str(info.value)
    assert f"cannot open the event log at postgresql+psycopg://hw:***@127.0.0.1:{port}/headwater" in message
    assert "check that the PostgreSQL server is running" in message
    assert "s3cret-pw" not in message


def test_sqlite_path_below_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(StorageUnavailableError) as info:
        Storage.open(f"sqlite:///{blocker}/sub/headwater.db")
    message = str(info.value)
    assert f"cannot create the directory {blocker}/sub for the SQLite event log" in message
    assert "choose a writable location" in message


def test_sqlite_path_that_is_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailableError) as info:
        Storage.open(f"sqlite:///{tmp_path}")
    message = str(info.value)
    assert f"cannot open the event log at sqlite:///{tmp_path}: unable to open database file" in message
    assert "check that the path is a file (not a directory) in a writable location" in message


def test_sqlite_creates_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "headwater.db"
    Storage.open(f"sqlite:///{path}").close()
    assert path.is_file()


def test_sqlite_connections_get_the_pragmas(tmp_path: Path) -> None:
    engine = engines.create(engines.parse_url(f"sqlite:///{tmp_path / 'p.db'}"))
    with engine.connect() as conn:
        values = {
            name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    engine.dispose()
    assert values == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 30000, "foreign_keys": 1}


def test_sqlite_writes_take_the_lock_at_begin_and_reads_do_not(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    engine = engines.create(engines.parse_url(f"sqlite:///{path}"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with engines.read_only(engine).connect() as reader:
        reader.execute(text("SELECT count(*) FROM t"))
        other.execute("BEGIN IMMEDIATE")  # a read transaction leaves the write lock free
        other.execute("ROLLBACK")

    with engine.begin():  # no statement yet: BEGIN IMMEDIATE has already taken the lock
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        with engines.read_only(engine).connect() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    other.close()
    engine.dispose()
