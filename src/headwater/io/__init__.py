"""IO managers: where asset values live (filesystem pickle by default, in-memory for tests,
Parquet files and DuckDB tables for DataFrames). Optional libraries are imported on first use."""

from headwater.io.base import IOManager
from headwater.io.duckdb import DuckDBIOManager
from headwater.io.filesystem import FilesystemIOManager
from headwater.io.memory import InMemoryIOManager
from headwater.io.parquet import ParquetIOManager

__all__ = ["DuckDBIOManager", "FilesystemIOManager", "IOManager", "InMemoryIOManager", "ParquetIOManager"]
