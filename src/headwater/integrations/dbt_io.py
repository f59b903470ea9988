"""Reading the tables dbt built: the IO manager that gives downstream assets a dbt model as a DataFrame.

dbt writes each model into the warehouse itself, so saving stores nothing; loading reads the
model's relation from the DuckDB file of the project's dbt-duckdb profile (``profiles.yml``,
rendered with ``env_var`` as dbt does). Never imports dbt; duckdb and pandas only when loading.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headwater.errors import ConfigError, IOManagerError
from headwater.integrations.dbt_cli import DbtProject
from headwater.io import IOManager
from headwater.io.base import no_value
from headwater.io.frames import require
from headwater.keys import AssetKey


@dataclass(frozen=True, kw_only=True)
class DbtRelations(IOManager):
    """Loads a dbt model, seed or snapshot as a pandas DataFrame from the DuckDB file dbt built it in.

    Give it to ``hw.Definitions(io_managers={"dbt": shop.io_manager})`` and load the project with
    ``hw.dbt_assets(..., io_manager="dbt")``; a Python asset with a parameter named after a dbt
    model then receives the model's rows.
    """

    project: DbtProject
    relations: Mapping[AssetKey, str] = field(default_factory=dict)
    """Asset key -> the relation dbt builds it as (``"db"."schema"."table"``)."""

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        """Nothing to store: dbt wrote the table; the build result is recorded as metadata."""
        return {}

    def load(self, key: AssetKey, partition: str | None) -> Any:
        """The relation of ``key`` as a pandas DataFrame."""
        require("pandas", extra="pandas", needed_by=f"reading dbt model '{key}' as a DataFrame")
        return self._read(key, partition, "select * from {}", as_frame=True)

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        """Whether dbt has built the relation of ``key``."""
        try:
            self._read(key, partition, "select 1 from {} limit 0", as_frame=False)
        except IOManagerError:
            return False
        return True

    def _read(self, key: AssetKey, partition: str | None, sql: str, *, as_frame: bool) -> Any:
        relation = self._relation(key)
        duckdb = require("duckdb", extra="duckdb", needed_by=f"reading dbt model '{key}'")
        path = self.warehouse()
        if not os.path.exists(path):
            raise no_value(key, partition, f"dbt warehouse yet ({path} does not exist)")
        try:
            with duckdb.connect(path, read_only=True) as con:
                result = con.execute(sql.format(relation))
                return result.df() if as_frame else result.fetchall()
        except duckdb.CatalogException:
            raise IOManagerError(
                f"dbt has not built asset '{key}' yet: {path} has no table {relation}; materialize it first "
                f"(e.g. `headwater materialize --select {key}`)"
            ) from None

    def _relation(self, key: AssetKey) -> str:
        relation = self.relations.get(key)
        if relation is None:
            raise IOManagerError(
                f"asset '{key}' is not a model, seed or snapshot of dbt project {self.project.project_dir}: "
                "give it another io_manager="
            )
        return relation

    def warehouse(self) -> str:
        """The DuckDB file of the project's dbt profile target (relative paths are from the project folder)."""
        output = self.project.profile_output()
        if output.get("type") != "duckdb":
            raise ConfigError(
                f"dbt project {self.project.project_dir} uses a {output.get('type')!r} profile target; "
                "hw.dbt_assets(io_manager=...) reads models from dbt-duckdb targets only: read other "
                "warehouses in the asset itself and depend on the model with deps=[...]"
            )
        path = str(output.get("path") or "")
        if not path or path == ":memory:":
            raise ConfigError(
                f"the dbt-duckdb target of {self.project.project_dir} has path {path or '(none)'!r}: give it a "
                "file in profiles.yml so Headwater can read the tables dbt built"
            )
        return str(Path(self.project.project_dir, os.path.expanduser(path)))
