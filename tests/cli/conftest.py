"""Fixtures for CLI tests: small projects written to ``tmp_path`` and an isolated HEADWATER_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import CYCLE, FAILING, PROJECT, write


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HEADWATER_HOME; the working directory is ``tmp_path``."""
    folder = tmp_path / "home"
    monkeypatch.setenv("HEADWATER_HOME", str(folder))
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.fixture
def project(tmp_path: Path, home: Path) -> Path:
    """A project file with inputs, a Config, a check and a multi-asset."""
    return write(tmp_path, "project.py", PROJECT)


@pytest.fixture
def failing(tmp_path: Path, home: Path) -> Path:
    """A project file whose ``broken`` asset raises."""
    return write(tmp_path, "failing.py", FAILING)


@pytest.fixture
def cyclic(tmp_path: Path, home: Path) -> Path:
    """A project file whose assets depend on each other."""
    return write(tmp_path, "cyclic.py", CYCLE)
