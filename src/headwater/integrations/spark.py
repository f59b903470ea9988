"""Spark for assets: a SparkSession resource and a Parquet IO manager for Spark DataFrames.

``hw.SparkResource(master="local[2]", conf={...})`` starts its session on first use and stops
it when the run ends (only a session it started); ``hw.SparkParquetIOManager(base_path)``
writes each asset (and partition) as a Parquet folder through Spark, atomically. pyspark is
imported only when a session or a DataFrame is needed.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pydantic

from headwater.definitions import Resource
from headwater.errors import IOManagerError
from headwater.io.base import IOManager, Staged, no_staged_value, no_value
from headwater.io.filesystem import _safe
from headwater.io.frames import require
from headwater.keys import AssetKey

_MAX_SCHEMA_COLUMNS = 40


def _pyspark_sql(needed_by: str) -> Any:
    return require("pyspark.sql", extra="spark", needed_by=needed_by)


class SparkResource(Resource):
    """A SparkSession for assets: annotate a parameter ``spark: hw.SparkResource`` and use ``spark.session``.

    The session is built on first use from ``master``, ``app_name`` and ``conf`` (Spark settings,
    e.g. ``{"spark.ui.enabled": "false"}``); when a session is already running in the process it
    is reused. ``teardown()`` (called when the run ends) stops the session if this resource started it.
    """

    master: str = "local[2]"
    app_name: str = "headwater"
    conf: dict[str, str] = pydantic.Field(default_factory=dict)

    _session: Any = pydantic.PrivateAttr(default=None)
    _started: bool = pydantic.PrivateAttr(default=False)

    @property
    def session(self) -> Any:
        """The ``pyspark.sql.SparkSession``, created on first access."""
        if self._session is None:
            sql = _pyspark_sql("SparkResource")
            builder = sql.SparkSession.builder.master(self.master).appName(self.app_name)
            if "PYSPARK_PYTHON" not in os.environ:  # Python workers use this interpreter, not whatever python3 is
                builder = builder.config("spark.pyspark.python", sys.executable)
            for name, value in self.conf.items():
                builder = builder.config(name, value)
            running = require("pyspark", extra="spark", needed_by="SparkResource").SparkContext._active_spark_context
            self._session = builder.getOrCreate()
            self._started = running is None
        return self._session

    def teardown(self) -> None:
        """Stop the session if this resource started it."""
        if self._session is not None and self._started:
            self._session.stop()
        self._session = None
        self._started = False


class SparkParquetIOManager(IOManager):
    """Stores Spark DataFrames as Parquet folders: ``<base>/<key path>.parquet``, a partition in
    ``<base>/<key path>.parts/<partition>.parquet``.

    ``base_path`` is a local folder or any URL Spark can write (``hdfs://``, ``s3a://``). A save
    writes to a temporary folder and renames it into place, so a failed write leaves the previous
    value; it records ``rows``, ``schema`` (column -> Spark type) and ``path``. Loading returns a
    DataFrame of the running SparkSession (``spark``'s, or a default local one when none runs).
    """

    def __init__(self, base_path: str | os.PathLike[str], *, spark: SparkResource | None = None) -> None:
        text = os.fspath(base_path)
        self.base_path = text.rstrip("/") if "://" in text else os.path.abspath(text)
        self.spark = spark

    def path_for(self, key: AssetKey, partition: str | None) -> str:
        """The Parquet folder of ``key`` (and ``partition``)."""
        parts = [_safe(p) for p in key.path]
        if partition is None:
            return "/".join([self.base_path, *parts]) + ".parquet"
        return "/".join([self.base_path, *parts]) + f".parts/{_safe(partition)}.parquet"

    def _session(self) -> Any:
        sql = _pyspark_sql("SparkParquetIOManager")
        active = sql.SparkSession.getActiveSession()
        if active is not None:
            return active
        return self.spark.session if self.spark is not None else sql.SparkSession.builder.getOrCreate()

    supports_staging = True

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        path = self.path_for(key, partition)
        return self._store(key, value, path, path)

    def stage(self, key: AssetKey, partition: str | None, value: Any, token: str) -> Mapping[str, Any]:
        path = self.path_for(key, partition)
        return self._store(key, value, f"{path}.{token}.staged", path)

    def load_staged(self, key: AssetKey, partition: str | None, token: str) -> Any:
        staged = f"{self.path_for(key, partition)}.{token}.staged"
        session = self._session()
        if not _HadoopFS(session, staged).exists(staged):
            raise no_staged_value(key, partition, token, staged)
        return session.read.parquet(staged)

    def publish(self, staged: Sequence[Staged]) -> None:
        for key, partition, token in staged:
            path = self.path_for(key, partition)
            source = f"{path}.{token}.staged"
            fs = _HadoopFS(self._session(), path)
            if not fs.exists(source):
                raise no_staged_value(key, partition, token, source)
            fs.replace(source, path)

    def discard(self, staged: Sequence[Staged]) -> None:
        for key, partition, token in staged:
            path = self.path_for(key, partition)
            _HadoopFS(self._session(), path).delete(f"{path}.{token}.staged")

    def _store(self, key: AssetKey, value: Any, path: str, published: str) -> dict[str, Any]:
        """Write ``value`` to a temporary folder, then rename it to ``path`` (the value's ``published``
        place, or its staging place beside it)."""
        module = type(value).__module__
        if not (module.startswith("pyspark.sql") and type(value).__name__ == "DataFrame"):
            raise IOManagerError(
                f"asset '{key}': SparkParquetIOManager stores Spark DataFrames, and the asset returned "
                f"{module}.{type(value).__name__}: return a pyspark DataFrame, or give the asset another io_manager="
            )
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        fs = _HadoopFS(value.sparkSession, path)
        try:
            value.write.mode("error").parquet(tmp)
            rows = value.sparkSession.read.parquet(tmp).count()
            fs.replace(tmp, path)
        except Exception as exc:
            fs.delete(tmp)
            raise IOManagerError(
                f"asset '{key}': cannot write its Spark DataFrame to {path} ({type(exc).__name__}: "
                f"{_first_line(exc)}); the previous value was kept"
            ) from exc
        fields = value.schema.fields
        schema = {f.name: f.dataType.simpleString() for f in fields[:_MAX_SCHEMA_COLUMNS]}
        return {"metadata": {"rows": rows, "schema": schema, "path": published}}

    def load(self, key: AssetKey, partition: str | None) -> Any:
        path = self.path_for(key, partition)
        session = self._session()
        if not _HadoopFS(session, path).exists(path):
            raise no_value(key, partition, f"Parquet folder at {path}")
        return session.read.parquet(path)

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        path = self.path_for(key, partition)
        return bool(_HadoopFS(self._session(), path).exists(path))


class _HadoopFS:
    """The Hadoop filesystem of a path, through the session's JVM: renames work on any Spark URL."""

    def __init__(self, session: Any, path: str) -> None:
        jvm = session.sparkContext._jvm
        self._path = jvm.org.apache.hadoop.fs.Path
        self._fs = self._path(path).getFileSystem(session.sparkContext._jsc.hadoopConfiguration())

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._path(path)))

    def delete(self, path: str) -> None:
        if self.exists(path):
            self._fs.delete(self._path(path), True)

    def replace(self, source: str, target: str) -> None:
        """Move ``source`` to ``target``; an existing ``target`` is moved aside first and deleted after."""
        aside = f"{target}.{uuid.uuid4().hex}.old"
        had_target = self.exists(target)
        if had_target and not self._fs.rename(self._path(target), self._path(aside)):
            raise OSError(f"cannot move {target} aside")
        parent = self._path(target).getParent()
        if parent is not None and not self._fs.exists(parent):
            self._fs.mkdirs(parent)
        if not self._fs.rename(self._path(source), self._path(target)):
            if had_target:
                self._fs.rename(self._path(aside), self._path(target))
            raise OSError(f"cannot rename {source} to {target}")
        if had_target:
            self.delete(aside)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
