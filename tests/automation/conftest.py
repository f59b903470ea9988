"""An instance on SQLite in tmp_path, shared by the automation tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    """A file-backed instance in a temporary folder."""
    config = hw.InstanceConfig(home=str(tmp_path / ".headwater"))
    with hw.Instance.from_config(config) as opened:
        yield opened
