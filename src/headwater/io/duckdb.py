"""DataFrame assets as tables of a DuckDB file: the embedded default warehouse.

``mart/revenue`` is the table ``mart.revenue``; an unprefixed key goes to the manager's schema.
Partitions share one table with a ``_partition`` column; saving a partition replaces its rows
in one transaction. A ``SQLQuery`` value (made by ``hw.sql_asset``) runs inside the database
against the upstream tables and is stored as a table the same way. A failed save rolls back.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from headwater.errors import ConfigError, IOManagerError
from headwater.io.base import IOManager, no_value
from headwater.io.frames import FRAMES, PREVIEW_ROWS, check_frame, refuse_unstorable, require, table_metadata
from headwater.io.sql_lineage import Links, query_links
from headwater.keys import AssetKey

PARTITION_COLUMN: Final = "_partition"
REFERENCE: Final = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
"""``{{ key }}`` in SQL text: a reference to an upstream asset's table."""

_VIEW: Final = "_headwater_value"


@dataclass(frozen=True, kw_only=True)
class SQLQuery:
    """A query to run in the warehouse and store as ``asset``'s table (returned by SQL assets).

    ``sql`` keeps its ``{{ ref }}`` placeholders; ``refs`` maps each placeholder's text to the
    upstream key whose table replaces it, so the IO manager that stores the result names the tables.
    """

    asset: str
    sql: str
    refs: Mapping[str, AssetKey]

    def render(self, table: Any) -> str:
        """The SQL with each ``{{ ref }}`` replaced by ``table(key)``."""
        return REFERENCE.sub(lambda m: str(table(self.refs[m.group(1)])), self.sql)

    def __reduce__(self) -> Any:
        raise TypeError(
            f"sql asset '{self.asset}' must be stored by a DuckDBIOManager: give it io_manager='<name>' "
            "naming a hw.DuckDBIOManager in Definitions(io_managers=...)"
        )


def quote(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


class DuckDBIOManager(IOManager):
    """Stores DataFrame assets as tables of the DuckDB file ``path``; loads them as pandas (or polars).

    ``schema`` holds assets whose key has no prefix; ``frame="polars"`` loads polars DataFrames.
    Worker processes wait up to ``lock_timeout`` seconds for another process to release the file.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, schema: str = "main", frame: str = "pandas", lock_timeout: float = 30.0
    ) -> None:
        if frame not in FRAMES:
            raise ConfigError(f"DuckDBIOManager(frame={frame!r}): frame must be one of {', '.join(FRAMES)}")
        if os.fspath(path) == ":memory:":
            raise ConfigError(
                "DuckDBIOManager needs a database file, not ':memory:' (each save and load opens its own "
                "connection): give a path such as 'warehouse.duckdb'"
            )
        self.path = os.path.abspath(os.fspath(path))
        self.schema = schema
        self.frame = frame
        self.lock_timeout = lock_timeout

    def table_for(self, key: AssetKey) -> tuple[str, str]:
        """(schema, table) holding ``key``: the key's prefix joined by '_' (else ``schema``) and its last part."""
        prefix = key.path[:-1]
        return ("_".join(prefix) if prefix else self.schema), key.path[-1]

    def table_name(self, key: AssetKey) -> str:
        """``"schema"."table"`` of ``key``, quoted for SQL."""
        schema, table = self.table_for(key)
        return f"{quote(schema)}.{quote(table)}"

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A connection to the DuckDB file, closed on exit."""
        duckdb = require("duckdb", extra="duckdb", needed_by="DuckDBIOManager")
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.02
        while True:
            try:
                connection = duckdb.connect(self.path)
                break
            except duckdb.IOException as exc:
                # DuckDB lets one process write a file: worker processes of one run take turns.
                if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                    raise IOManagerError(
                        f"DuckDBIOManager cannot open {self.path}: {exc}; another process holds the file "
                        f"(DuckDB allows one writing process) for over {self.lock_timeout:g} s: stop it, "
                        "use another file, or raise lock_timeout="
                    ) from exc
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
        try:
            yield connection
        finally:
            connection.close()

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        duckdb = require("duckdb", extra="duckdb", needed_by="DuckDBIOManager")
        name = self.table_name(key)
        if isinstance(value, SQLQuery):
            if partition is not None:
                raise IOManagerError(f"sql asset '{key}' cannot be partitioned: declare it without partitions")
            rendered = value.render(self.table_name)
            source = f"({rendered})"
        else:
            library = check_frame(key, value, "DuckDBIOManager")
            refuse_unstorable(key, value, library, "DuckDB")
            if PARTITION_COLUMN in value.columns and partition is not None:
                raise IOManagerError(
                    f"asset '{key}' has a column named {PARTITION_COLUMN}, which DuckDBIOManager uses for "
                    "partition keys: rename the column"
                )
            source = _VIEW
        with self.connect() as con:  # one transaction: a failed save leaves the table as it was
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.table_for(key)[0])}")
                if source == _VIEW:
                    con.register(_VIEW, value)
                self._write(con, name, source, partition)
                metadata = self._describe(con, key, partition)
                if isinstance(value, SQLQuery):
                    links = self._links(con, value, rendered)
                    if links:
                        metadata["column_lineage"] = links
                digest = con.execute(f"SELECT sum(hash(s)) FROM {self._rows(name, partition)} s", self._args(partition))
                found = digest.fetchone()
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                raise self._error(key, value, exc) from exc
            except BaseException:
                con.execute("ROLLBACK")
                raise
        content = f"{metadata['rows']}:{found[0] if found else None}".encode()
        return {"hash": hashlib.blake2b(content, digest_size=8).hexdigest(), "metadata": metadata}

    def _links(self, con: Any, query: SQLQuery, rendered: str) -> Links | None:
        """Which upstream columns each column of the query's result comes from (None: not known)."""
        keys = {self.table_for(up): up.to_string() for up in query.refs.values()}
        try:
            return query_links(con, rendered, keys)
        except Exception:  # lineage is a by-product: a query it cannot read must still be stored
            return None

    @staticmethod
    def _args(partition: str | None) -> list[Any]:
        return [] if partition is None else [partition]

    @staticmethod
    def _rows(name: str, partition: str | None) -> str:
        """A subquery of the asset's rows (one partition's, without the partition column)."""
        if partition is None:
            return f"(SELECT * FROM {name})"
        return f"(SELECT * EXCLUDE ({PARTITION_COLUMN}) FROM {name} WHERE {PARTITION_COLUMN} = ?)"

    @staticmethod
    def _write(con: Any, name: str, source: str, partition: str | None) -> None:
        if partition is None:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {source}")
            return
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {name} AS SELECT *, NULL::VARCHAR AS {PARTITION_COLUMN} FROM {source} LIMIT 0"
        )
        con.execute(f"DELETE FROM {name} WHERE {PARTITION_COLUMN} = ?", [partition])
        con.execute(f"INSERT INTO {name} BY NAME SELECT *, ?::VARCHAR AS {PARTITION_COLUMN} FROM {source}", [partition])

    def _describe(self, con: Any, key: AssetKey, partition: str | None) -> dict[str, Any]:
        name = self.table_name(key)
        rows = self._rows(name, partition)
        args = self._args(partition)
        found = con.execute(f"SELECT count(*) FROM {rows}", args).fetchone()
        described = con.execute(f"DESCRIBE {rows}", args).fetchall()
        schema = {str(row[0]): str(row[1]) for row in described}
        cursor = con.execute(f"SELECT * FROM {rows} LIMIT {PREVIEW_ROWS}", args)
        names = [d[0] for d in cursor.description]
        preview = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return {
            **table_metadata(int(found[0]) if found else 0, schema, preview),
            "table": ".".join(self.table_for(key)),
        }

    def _error(self, key: AssetKey, value: Any, exc: Exception) -> IOManagerError:
        if isinstance(value, SQLQuery):
            missing = [ref for ref, up in value.refs.items() if not self.exists(up, None)]
            if missing:
                ref = missing[0]
                return IOManagerError(
                    f"sql asset '{key}' reads {{{{ {ref} }}}}, but '{value.refs[ref]}' has no table "
                    f"{self.table_name(value.refs[ref])} in {self.path}: store '{value.refs[ref]}' with this "
                    "DuckDBIOManager (the same io_manager=) and materialize it first"
                )
            return IOManagerError(f"sql asset '{key}': the query failed in {self.path}: {exc}; fix the SQL")
        return IOManagerError(
            f"asset '{key}': DuckDB cannot store the DataFrame in {self.path}: {exc}; the partitions of an asset "
            f"share the table {self.table_name(key)}, so their columns and types must match: keep them the same, "
            "or drop the table to start over"
        )

    def load(self, key: AssetKey, partition: str | None) -> Any:
        duckdb = require("duckdb", extra="duckdb", needed_by="DuckDBIOManager")
        if not self.exists(key, partition):
            raise no_value(key, partition, f"table {self.table_name(key)} in {self.path}")
        with self.connect() as con:
            try:
                query = f"SELECT * FROM {self._rows(self.table_name(key), partition)}"
                relation = con.sql(query, params=self._args(partition))
                if self.frame == "polars":
                    require("polars", extra="polars", needed_by="DuckDBIOManager(frame='polars')")
                    return relation.pl()
                require("pandas", extra="pandas", needed_by="DuckDBIOManager")
                require("pyarrow", extra="pandas", needed_by="DuckDBIOManager")
                return relation.to_arrow_table().to_pandas()  # through Arrow: about twice as fast as .df()
            except duckdb.Error as exc:
                raise IOManagerError(
                    f"asset '{key}': cannot read {self.table_name(key)} in {self.path}: {exc}"
                ) from exc

    def _columns(self, con: Any, key: AssetKey) -> set[str]:
        schema, table = self.table_for(key)
        return {
            str(row[0])
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [schema, table],
            ).fetchall()
        }

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        if not os.path.exists(self.path):
            return False
        with self.connect() as con:
            columns = self._columns(con, key)
            if not columns:
                return False
            if partition is None:
                return True
            if PARTITION_COLUMN not in columns:
                return False
            name = self.table_name(key)
            return (
                con.execute(f"SELECT 1 FROM {name} WHERE {PARTITION_COLUMN} = ? LIMIT 1", [partition]).fetchone()
                is not None
            )

    def exists_many(self, key: AssetKey, partitions: Iterable[str | None]) -> set[str | None]:
        wanted = list(partitions)
        if not os.path.exists(self.path):
            return set()
        with self.connect() as con:  # one connection and one query, not one per partition
            columns = self._columns(con, key)
            if not columns:
                return set()
            found: set[str | None] = {None} if None in wanted else set()
            if PARTITION_COLUMN not in columns:
                return found
            query = f"SELECT DISTINCT {PARTITION_COLUMN} FROM {self.table_name(key)}"
            stored = {row[0] for row in con.execute(query).fetchall()}
        return found | {p for p in wanted if p is not None and p in stored}
