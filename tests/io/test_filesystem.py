from pathlib import Path

import pytest

import headwater as hw


def test_round_trip_and_safe_paths(tmp_path: Path) -> None:
    io = hw.FilesystemIOManager(tmp_path)
    key = hw.AssetKey("mart", "revenue")
    io.save(key, None, {"a": 1})
    io.save(key, "us/east|2026-01-01", [1])
    assert io.load(key, None) == {"a": 1}
    assert io.load(key, "us/east|2026-01-01") == [1]
    path = io.path_for(key, "us/east|2026-01-01")
    assert path.parent == tmp_path / "mart" / "revenue.parts"  # the partition cannot escape its folder
    assert io.path_for(key, None) == tmp_path / "mart" / "revenue.pkl"
    # a key part with a dot cannot collide with another key's partition folder
    io.save(hw.AssetKey("mart", "revenue.parts"), None, "other")
    assert io.load(key, "us/east|2026-01-01") == [1]
    assert io.load(hw.AssetKey("mart", "revenue.parts"), None) == "other"
    assert io.exists(key, None)
    assert not io.exists(key, "other")
    long = io.path_for(key, "x" * 500)
    assert len(long.name) < 140


def test_missing_and_unpicklable_values(tmp_path: Path) -> None:
    io = hw.FilesystemIOManager(tmp_path)
    with pytest.raises(hw.IOManagerError, match="asset 'a' has no stored value .* materialize it first"):
        io.load(hw.AssetKey("a"), None)
    with pytest.raises(hw.IOManagerError, match="value of type generator cannot be pickled"):
        io.save(hw.AssetKey("a"), None, (i for i in range(2)))
    assert list(tmp_path.rglob("*")) == []  # nothing half-written


def test_in_memory() -> None:
    io = hw.InMemoryIOManager()
    io.save(hw.AssetKey("a"), None, 1)
    assert io.load(hw.AssetKey("a"), None) == 1
    with pytest.raises(hw.IOManagerError, match="no value in this in-memory IO manager"):
        io.load(hw.AssetKey("b"), None)
