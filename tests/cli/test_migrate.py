"""``headwater migrate``."""

from __future__ import annotations

from pathlib import Path

from headwater.storage import CURRENT_SCHEMA_VERSION

from .helpers import run


def test_migrate_prints_versions(home: Path) -> None:
    text = run("migrate", ok=True).stdout
    assert f"schema version after: {CURRENT_SCHEMA_VERSION}" in text
    assert "no migrations applied" in text
    assert str(home / "headwater.db") in text
    again = run("migrate", ok=True).stdout
    assert f"schema version before: {CURRENT_SCHEMA_VERSION}" in again
