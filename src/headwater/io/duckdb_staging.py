"""Staging for DuckDB tables: a value held back until its checks pass is a table of its own,
``<table>__staged_<token>`` in the asset's schema, and publishing swaps it in, every table of one
publication in one transaction (a partition's rows replace that partition's rows).

A run records a publication before it swaps; one killed in between leaves the staged table,
which the next read expecting the recorded hash swaps in (the publication rolls forward).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from headwater.io.base import Staged, no_staged_value
from headwater.io.duckdb import PARTITION_COLUMN, Table, quote, quoted
from headwater.io.frames import require

if TYPE_CHECKING:
    from headwater.io.duckdb import DuckDBIOManager

_STAGED_MARK = "__staged_"


def staged_table(live: Table, token: str) -> Table:
    """The table holding the value of ``live`` staged under ``token``."""
    return live[0], f"{live[1]}{_STAGED_MARK}{token}"


def _exists(con: Any, table: Table) -> bool:
    query = "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    return bool(con.execute(query, list(table)).fetchall())


def _swap(con: Any, manager: DuckDBIOManager, item: Staged) -> None:
    """Inside the caller's transaction: make the staged table of ``item`` its published value."""
    live = manager.table_for(item.key)
    staged = staged_table(live, item.token)
    if not _exists(con, staged):
        raise no_staged_value(item.key, item.partition, item.token, f"table {quoted(staged)} in {manager.path}")
    if item.partition is None:
        con.execute(f"DROP TABLE IF EXISTS {quoted(live)}")
        con.execute(f"ALTER TABLE {quoted(staged)} RENAME TO {quote(live[1])}")
        return
    name = quoted(manager._locate(con, item.key))
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {name} AS SELECT *, NULL::VARCHAR AS {PARTITION_COLUMN} "
        f"FROM {quoted(staged)} LIMIT 0"
    )
    con.execute(f"DELETE FROM {name} WHERE {PARTITION_COLUMN} = ?", [item.partition])
    con.execute(
        f"INSERT INTO {name} BY NAME SELECT *, ?::VARCHAR AS {PARTITION_COLUMN} FROM {quoted(staged)}",
        [item.partition],
    )
    con.execute(f"DROP TABLE {quoted(staged)}")


def publish(manager: DuckDBIOManager, items: Sequence[Staged]) -> None:
    """Swap every staged table of ``items`` in, in one transaction: all of them or none."""
    duckdb = require("duckdb", extra="duckdb", needed_by="DuckDBIOManager")
    with manager.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for item in items:
                _swap(con, manager, item)
            con.execute("COMMIT")
        except BaseException as exc:
            con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                from headwater.errors import IOManagerError

                raise IOManagerError(f"cannot publish staged tables in {manager.path}: {exc}") from exc
            raise


def discard(manager: DuckDBIOManager, items: Sequence[Staged]) -> None:
    """Drop the staged tables of ``items``."""
    with manager.connect() as con:
        for item in items:
            con.execute(f"DROP TABLE IF EXISTS {quoted(staged_table(manager.table_for(item.key), item.token))}")


def load(manager: DuckDBIOManager, item: Staged) -> Any:
    """The staged value of ``item`` as a frame."""
    with manager.connect() as con:
        staged = staged_table(manager.table_for(item.key), item.token)
        if not _exists(con, staged):
            raise no_staged_value(item.key, item.partition, item.token, f"table {quoted(staged)} in {manager.path}")
        relation = con.sql(f"SELECT * FROM {quoted(staged)}")
        return relation.pl() if manager.frame == "polars" else relation.to_arrow_table().to_pandas()


def roll_forward(manager: DuckDBIOManager, key: Any, partition: str | None, value_hash: str) -> None:
    """Swap in the staged table of ``key`` whose rows have ``value_hash`` (a publication cut short),
    if there is one: the read that expects the recorded value then finds it."""
    live = manager.table_for(key)
    with manager.connect() as con:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?",
            [live[0], f"{live[1]}{_STAGED_MARK}%"],
        ).fetchall()
        for (name,) in rows:
            found = con.execute(f"SELECT count(*), sum(hash(s)) FROM {quoted((live[0], str(name)))} s").fetchone()
            content = f"{found[0] if found else 0}:{found[1] if found else None}".encode()
            if hashlib.blake2b(content, digest_size=8).hexdigest() != value_hash:
                continue
            token = str(name)[len(live[1]) + len(_STAGED_MARK) :]
            con.execute("BEGIN TRANSACTION")
            try:
                _swap(con, manager, Staged(key, partition, token))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return
