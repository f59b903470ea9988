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
