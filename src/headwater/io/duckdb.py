"""DataFrame assets as tables of a DuckDB file: the embedded default warehouse.

``lake/mart/revenue`` is the table ``mart.revenue`` (the last prefix part is the schema); an unprefixed
key goes to the manager's schema. UUID columns are stored as UUID, numpy-array cells as LIST.
Partitions share one table with a ``_partition`` column; saving a partition replaces its rows
in one transaction. A ``SQLQuery`` value (made by ``hw.sql_asset``) runs inside the database
against the upstream tables and is stored as a table the same way. A failed save rolls back.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from headwater.errors import ConfigError, IOManagerError
from headwater.io.base import IOManager, Staged, no_value
from headwater.io.frames import (
    FRAMES,
    PREVIEW_ROWS,
    check_frame,
    duckdb_storable,
    refuse_unstorable,
    require,
    table_metadata,
)
from headwater.io.sql_lineage import Links, query_links
from headwater.keys import AssetKey

PARTITION_COLUMN: Final = "_partition"
REFERENCE: Final = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
"""``{{ key }}`` in SQL text: a reference to an upstream asset's table."""

_VIEW: Final = "_headwater_value"
Table = tuple[str, str]
"""(schema, table)."""


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


def quoted(table: Table) -> str:
    """``"schema"."table"``, quoted for SQL."""
    return f"{quote(table[0])}.{quote(table[1])}"


class DuckDBIOManager(IOManager):
    """Stores DataFrame assets as tables of the DuckDB file ``path``; loads them as pandas (or polars).

    ``schema`` holds assets whose key has no prefix; ``schemas`` gives some assets their own schema
    (asset key -> schema, e.g. ``{"orders": "raw"}``); ``frame="polars"`` loads polars DataFrames.
    Worker processes wait up to ``lock_timeout`` seconds for another process to release the file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        schema: str = "main",
        schemas: Mapping[str, str] | None = None,
        frame: str = "pandas",
        lock_timeout: float = 30.0,
    ) -> None:
        for asset, name in (schemas or {}).items():
            if not isinstance(name, str) or not name:
                raise ConfigError(
                    f"DuckDBIOManager(schemas={{{asset!r}: {name!r}}}): each asset key needs a schema: "
                    "give a schema name such as 'raw', or leave the asset out"
                )
        if frame not in FRAMES:
            raise ConfigError(f"DuckDBIOManager(frame={frame!r}): frame must be one of {', '.join(FRAMES)}")
        if os.fspath(path) == ":memory:":
            raise ConfigError(
                "DuckDBIOManager needs a database file, not ':memory:' (each save and load opens its own "
                "connection): give a path such as 'warehouse.duckdb'"
            )
        self.path = os.path.abspath(os.fspath(path))
        self.schema = schema
        self.schemas = {AssetKey.parse(asset).to_string(): name for asset, name in (schemas or {}).items()}
        self.frame = frame
        self.lock_timeout = lock_timeout

    def table_for(self, key: AssetKey) -> Table:
        """(schema, table) of ``key``: its ``schemas=`` entry, else its last prefix part, else ``schema``."""
        prefix = key.path[:-1]
        return self.schemas.get(key.to_string()) or (prefix[-1] if prefix else self.schema), key.path[-1]

    def old_table_for(self, key: AssetKey) -> Table:
        """Where earlier versions stored ``key``: the prefix joined by '_' (``a/b/c`` -> ``a_b.c``)."""
        prefix = key.path[:-1]
        return ("_".join(prefix) if prefix else self.schema), key.path[-1]

    def table_name(self, key: AssetKey) -> str:
        """``"schema"."table"`` of ``key``, quoted for SQL."""
        return quoted(self.table_for(key))

    def _locate(self, con: Any, key: AssetKey) -> Table:
        """The table holding ``key``: ``table_for(key)``, or its old name while only that one exists."""
        new, old = self.table_for(key), self.old_table_for(key)
        # a file written by an earlier version keeps working until the asset is stored anew
        if old == new or self._columns(con, new) or not self._columns(con, old):
            return new
        return old

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

    supports_staging = True
    verifies_values = True

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        return self.store(key, partition, value)

    def stage(self, key: AssetKey, partition: str | None, value: Any, token: str) -> Mapping[str, Any]:
        from headwater.io import duckdb_staging

        return self.store(key, partition, value, staged=duckdb_staging.staged_table(self.table_for(key), token))

    def load_staged(self, key: AssetKey, partition: str | None, token: str) -> Any:
        from headwater.io import duckdb_staging

        return duckdb_staging.load(self, Staged(key, partition, token))

    def publish(self, staged: Sequence[Staged]) -> None:
        from headwater.io import duckdb_staging

        duckdb_staging.publish(self, staged)

    def discard(self, staged: Sequence[Staged]) -> None:
        from headwater.io import duckdb_staging

        duckdb_staging.discard(self, staged)

    def load_recorded(self, key: AssetKey, partition: str | None, value_hash: str) -> Any:
        if os.path.exists(self.path):
            from headwater.io import duckdb_staging

            duckdb_staging.roll_forward(self, key, partition, value_hash)
        return self.load(key, partition)

    def store(self, key: AssetKey, partition: str | None, value: Any, *, staged: Table | None = None) -> dict[str, Any]:
        """Save ``value`` as ``key``'s table (its partition's rows), or whole into the table ``staged``."""
        duckdb = require("duckdb", extra="duckdb", needed_by="DuckDBIOManager")
        if isinstance(value, SQLQuery):
            if partition is not None:
                raise IOManagerError(f"sql asset '{key}' cannot be partitioned: declare it without partitions")
            source = ""
        else:
            library = check_frame(key, value, "DuckDBIOManager")
            value, native = duckdb_storable(value, library)
            refuse_unstorable(key, value.drop(columns=native) if native else value, library, "DuckDB")
            if PARTITION_COLUMN in value.columns and partition is not None:
                raise IOManagerError(
                    f"asset '{key}' has a column named {PARTITION_COLUMN}, which DuckDBIOManager uses for "
                    "partition keys: rename the column"
                )
            source = _VIEW
        with self.connect() as con:  # one transaction: a failed save leaves the table as it was
            con.execute("BEGIN TRANSACTION")
            try:
                # a partition joins its asset's table, even one under the old name; a whole value moves
                where = self.table_for(key) if partition is None else self._locate(con, key)
                rows_of = partition
                if staged is not None:  # held back until its checks pass: a table of its own rows
                    where, rows_of = staged, None
                if isinstance(value, SQLQuery):
                    rendered = value.render(lambda up: quoted(self._locate(con, up)))
                    source = f"({rendered})"
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(where[0])}")
                if source == _VIEW:
                    con.register(_VIEW, value)
                self._write(con, quoted(where), source, rows_of)
                metadata = self._describe(con, where, rows_of)
                if staged is not None:
                    metadata["table"] = ".".join(self.table_for(key))
                if isinstance(value, SQLQuery):
                    links = self._links(con, value, rendered)
                    if links:
                        metadata["column_lineage"] = links
                digest = con.execute(
                    f"SELECT sum(hash(s)) FROM {self._rows(quoted(where), rows_of)} s", self._args(rows_of)
                )
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
        keys = {self._locate(con, up): up.to_string() for up in query.refs.values()}
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

    def _describe(self, con: Any, where: Table, partition: str | None) -> dict[str, Any]:
        rows = self._rows(quoted(where), partition)
        args = self._args(partition)
        found = con.execute(f"SELECT count(*) FROM {rows}", args).fetchone()
        described = con.execute(f"DESCRIBE {rows}", args).fetchall()
        schema = {str(row[0]): str(row[1]) for row in described}
        cursor = con.execute(f"SELECT * FROM {rows} LIMIT {PREVIEW_ROWS}", args)
        names = [d[0] for d in cursor.description]
        # UUIDs as text: the preview is recorded in the event log as JSON
        preview = [
            {name: str(cell) if isinstance(cell, uuid.UUID) else cell for name, cell in zip(names, row, strict=True)}
            for row in cursor.fetchall()
        ]
        return {**table_metadata(int(found[0]) if found else 0, schema, preview), "table": ".".join(where)}

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
        if not os.path.exists(self.path):
            raise no_value(key, partition, f"table {self.table_name(key)} in {self.path}")
        with self.connect() as con:
            where = self._locate(con, key)
            if not self._holds(con, where, partition):
                raise no_value(key, partition, f"table {self.table_name(key)} in {self.path}")
            try:
                relation = con.sql(
                    f"SELECT * FROM {self._rows(quoted(where), partition)}", params=self._args(partition)
                )
                if self.frame == "polars":
                    require("polars", extra="polars", needed_by="DuckDBIOManager(frame='polars')")
                    return relation.pl()
                require("pandas", extra="pandas", needed_by="DuckDBIOManager")
                require("pyarrow", extra="pandas", needed_by="DuckDBIOManager")
                uuids = [
                    name for name, kind in zip(relation.columns, relation.types, strict=True) if str(kind) == "UUID"
                ]
                frame = relation.to_arrow_table().to_pandas()  # through Arrow: about twice as fast as .df()
            except duckdb.Error as exc:
                raise IOManagerError(f"asset '{key}': cannot read {quoted(where)} in {self.path}: {exc}") from exc
        for name in uuids:  # Arrow gives UUIDs as text: back to uuid.UUID, as they were saved
            cells = [uuid.UUID(cell) if isinstance(cell, str) else None for cell in frame[name]]
            frame[name] = frame[name].__class__(cells, index=frame.index, dtype=object)
        return frame

    def _columns(self, con: Any, where: Table) -> set[str]:
        return {
            str(row[0])
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                list(where),
            ).fetchall()
        }

    def _holds(self, con: Any, where: Table, partition: str | None) -> bool:
        """Whether the table ``where`` exists (and has rows of ``partition``)."""
        columns = self._columns(con, where)
        if not columns or partition is None:
            return bool(columns)
        if PARTITION_COLUMN not in columns:
            return False
        query = f"SELECT 1 FROM {quoted(where)} WHERE {PARTITION_COLUMN} = ? LIMIT 1"
        return bool(con.execute(query, [partition]).fetchall())

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        if not os.path.exists(self.path):
            return False
        with self.connect() as con:
            return self._holds(con, self._locate(con, key), partition)

    def exists_many(self, key: AssetKey, partitions: Iterable[str | None]) -> set[str | None]:
        wanted = list(partitions)
        if not os.path.exists(self.path):
            return set()
        with self.connect() as con:  # one connection and one query, not one per partition
            where = self._locate(con, key)
            columns = self._columns(con, where)
            if not columns:
                return set()
            found: set[str | None] = {None} if None in wanted else set()
            if PARTITION_COLUMN not in columns:
                return found
            query = f"SELECT DISTINCT {PARTITION_COLUMN} FROM {quoted(where)}"
            stored = {row[0] for row in con.execute(query).fetchall()}
        return found | {p for p in wanted if p is not None and p in stored}
