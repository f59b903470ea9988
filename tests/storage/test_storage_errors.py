"""What the event log says when a record's id is taken or a table it needs is gone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from headwater.errors import StorageError, StorageUnavailableError
from headwater.storage import Storage
from headwater.storage.backfills import BackfillRecord


def test_a_backfill_id_that_is_taken(storage: Storage) -> None:
    storage.add_backfill(BackfillRecord(backfill_id="bf1", selection="orders"))
    with pytest.raises(
        StorageError,
        match=r"^cannot add backfill 'bf1': a backfill with that id already exists; give each backfill a new id "
        r"\(e.g. uuid.uuid4\(\).hex\)$",
    ):
        storage.add_backfill(BackfillRecord(backfill_id="bf1", selection="orders"))


def test_an_operational_failure_names_the_action_and_the_database(tmp_path: Path) -> None:
    path = tmp_path / "headwater.db"
    storage = Storage.open(f"sqlite:///{path}")
    with sqlite3.connect(path) as con:
        con.execute("DROP TABLE runs")
    try:
        with pytest.raises(
            StorageUnavailableError,
            match=rf"^cannot read a run in the event log at sqlite:///{path}: .*no such table: runs.*; check that "
            "the database is reachable and its disk is not full, then retry$",
        ):
            storage.get_run("r1")
    finally:
        storage.close()


def test_a_file_that_is_not_a_database_says_to_restore_or_move_it(tmp_path: Path) -> None:
    path = tmp_path / "headwater.db"
    path.write_text("these are my notes, not an event log\n" * 40)
    with pytest.raises(
        StorageUnavailableError,
        match=rf"^the SQLite event log file {path} is not a usable database \(file is not a database\): restore "
        "it from a backup, or move it away to start a new, empty event log there$",
    ):
        Storage.open(f"sqlite:///{path}")


def test_a_database_damaged_while_open_says_to_restore_or_move_it(tmp_path: Path) -> None:
    path = tmp_path / "headwater.db"
    Storage.open(f"sqlite:///{path}").close()  # closing checkpoints the WAL into the file
    storage = Storage.open(f"sqlite:///{path}")
    page_size = 4096
    data = bytearray(path.read_bytes())
    # Keep the first pages (header and schema) and overwrite the tables' pages with garbage.
    data[3 * page_size :] = b"\xa5" * (len(data) - 3 * page_size)
    path.write_bytes(bytes(data))
    try:
        with pytest.raises(
            StorageUnavailableError,
            match=rf"^the SQLite event log file {path} is not a usable database \(database disk image is "
            r"malformed\): restore it from a backup, or move it away to start a new, empty event log there$",
        ):
            storage.list_runs()
    finally:
        storage.close()
