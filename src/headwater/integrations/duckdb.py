"""DuckDB for users' code: a connection resource, and SQL assets whose lineage comes from their SQL.

``hw.sql_asset("revenue", "SELECT ... FROM {{ orders }}", io_manager="warehouse")`` depends on
``orders`` because the SQL names it; materializing it runs the query inside the DuckDB file of
the ``warehouse`` IO manager (a ``hw.DuckDBIOManager``) and stores the result as a table.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from headwater.definitions import AssetSpec, AutomationCondition, Resource, asset
from headwater.errors import DefinitionError
from headwater.io.duckdb import REFERENCE, SQLQuery
from headwater.io.frames import require
from headwater.keys import AssetKey

_DESCRIPTION = 200


class DuckDBResource(Resource):
    """A DuckDB database file for assets: ``with duckdb.connect() as con: con.sql(...)``.

    ``DuckDBResource("warehouse.duckdb")`` or ``DuckDBResource(path=hw.EnvVar("WAREHOUSE"))``;
    ``read_only=True`` opens the file without taking the writer's lock.
    """

    path: str
    read_only: bool = False

    def __init__(self, path: str | None = None, /, **data: Any) -> None:
        if path is not None:
            data["path"] = path
        super().__init__(**data)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A ``duckdb`` connection to the file, closed when the block ends."""
        duckdb = require("duckdb", extra="duckdb", needed_by="DuckDBResource")
        connection = duckdb.connect(self.path, read_only=self.read_only)
        try:
            yield connection
        finally:
            connection.close()


def references(sql: str, *, owner: str = "sql asset") -> dict[str, AssetKey]:
    """The ``{{ key }}`` references of ``sql``: placeholder text -> asset key, in order of appearance."""
    refs: dict[str, AssetKey] = {}
    for match in REFERENCE.finditer(sql):
        text = match.group(1)
        if text in refs:
            continue
        try:
            refs[text] = AssetKey.parse(text)
        except DefinitionError as exc:
            raise DefinitionError(
                f"{owner}: {{{{ {text} }}}} in the SQL is not an asset key ({exc}); "
                "write upstream assets as {{ orders }} or {{ raw/orders }}"
            ) from None
    return refs


def sql_asset(
    name: str,
    sql: str,
    *,
    io_manager: str,
    key_prefix: str | Sequence[str] | None = None,
    group: str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    code_version: str | None = None,
    automation: AutomationCondition | None = None,
    deps: Iterable[Any] | None = None,
) -> AssetSpec[[], SQLQuery]:
    """An asset computed by ``sql`` in DuckDB and stored as a table by the IO manager ``io_manager``.

    Each ``{{ key }}`` in the SQL is an upstream asset, replaced by its table when the query runs;
    those assets must be stored by the same ``hw.DuckDBIOManager``. ``deps=`` adds upstream assets
    the SQL does not name. The code version defaults to a hash of the SQL, so ``changed:code``
    selects the asset when its query changes.
    """
    where = _caller()
    label = f"sql asset '{name}' ({where})"
    if not isinstance(sql, str) or not sql.strip():
        raise DefinitionError(f"{label}: the SQL is empty; give a SELECT statement as the second argument")
    if not isinstance(io_manager, str) or not io_manager:
        raise DefinitionError(
            f"{label}: io_manager= must name a hw.DuckDBIOManager in Definitions(io_managers=...), e.g. 'warehouse'"
        )
    refs = references(sql, owner=label)
    key_text = "/".join([*([key_prefix] if isinstance(key_prefix, str) else (key_prefix or ())), name])

    def query() -> SQLQuery:
        return SQLQuery(asset=key_text, sql=sql, refs=refs)

    spec: AssetSpec[[], SQLQuery] = asset(
        name=name,
        key_prefix=key_prefix,
        group=group,
        description=description or _describe(sql),
        tags=tags,
        owners=owners,
        kinds=["sql", "duckdb"],
        code_version=code_version or hashlib.sha256(sql.encode()).hexdigest()[:12],
        automation=automation,
        deps=[*refs.values(), *(deps or ())],
        io_manager=io_manager,
    )(query)
    if spec.op is None:  # pragma: no cover - asset() always builds an op
        return spec
    return replace(spec, site=where, op=replace(spec.op, site=where))


def _describe(sql: str) -> str:
    text = " ".join(sql.split())
    return "SQL: " + (text if len(text) <= _DESCRIPTION else text[: _DESCRIPTION - 1] + "…")


def _caller() -> str:
    """``file:line`` of the code that called ``sql_asset``."""
    frame = sys._getframe(2)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"
