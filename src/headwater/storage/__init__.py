"""The durable event log: runs, events, latest-event index and step logs in SQLite or PostgreSQL.

Storage never imports user code, definitions or execution, so the UI and CLI can read it without
loading a project.
"""

from __future__ import annotations

from headwater.storage.migrations import CURRENT_SCHEMA_VERSION
from headwater.storage.rows import CheckVerdict, LogRecord
from headwater.storage.sql import Storage

__all__ = ["CURRENT_SCHEMA_VERSION", "CheckVerdict", "LogRecord", "Storage"]
