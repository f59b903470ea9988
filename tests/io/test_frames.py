"""What the DataFrame IO managers share: library detection, install hints, unstorable columns."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import headwater as hw
from headwater.io.frames import frame_library, install_hint, require, unstorable_columns


def test_install_hint_and_require(monkeypatch: pytest.MonkeyPatch) -> None:
    assert install_hint("duckdb", "duckdb", "DuckDBResource") == (
        "DuckDBResource needs duckdb, which is not installed: pip install 'headwater[duckdb]'"
    )
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(
        hw.ConfigError, match=r"^reading needs polars, which is not installed: pip install 'headwater\[polars\]'$"
    ):
        require("polars", extra="polars", needed_by="reading")


def test_loading_a_polars_file_without_polars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    io = hw.ParquetIOManager(tmp_path)
    io.save(hw.AssetKey("people"), None, pl.DataFrame({"id": [1]}))
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(
        hw.ConfigError,
        match=r"loading asset 'people' \(stored from polars\) needs polars, which is not installed: "
        r"pip install 'headwater\[polars\]'",
    ):
        io.load(hw.AssetKey("people"), None)


def test_frame_library_and_unstorable_columns() -> None:
    assert frame_library(pd.DataFrame()) == "pandas"
    assert frame_library(pl.DataFrame()) == "polars"
    assert frame_library(pd.Series([1])) is None
    assert frame_library([{"a": 1}]) is None
    frame = pd.DataFrame(
        {
            "text": ["a", None],
            "money": [Decimal("1.5"), Decimal("2")],
            "nested": [[1, 2], {"a": 1}],
            "thing": [object(), None],
        }
    )
    assert unstorable_columns(frame, "pandas") == {"thing": "object"}
    assert unstorable_columns(pl.DataFrame({"a": [1], "o": [object()]}), "polars") == {"o": "Python object"}
