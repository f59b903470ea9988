"""Staged values stay invisible until published, and leftovers of ended processes are removed."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import headwater as hw
from headwater.io.staging import remove_stale, staging_name


def _dead_owner() -> str:
    """The owner token of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    from headwater.io.staging import this_process

    return f"{this_process().rpartition('~')[0]}~{done.stdout.strip()}"


def test_a_staged_file_replaces_the_value_only_when_published(tmp_path: Path) -> None:
    io = hw.FilesystemIOManager(tmp_path)
    key = hw.AssetKey("a")
    io.save(key, None, "old")
    stored, staged = io.stage(key, None, "new")
    assert io.load(key, None) == "old"  # not visible before publishing
    assert io.load_staged(staged) == "new"
    data = Path(staged.staging).read_bytes()
    assert stored["hash"] == hashlib.blake2b(data, digest_size=8).hexdigest()
    staged.publish()
    assert io.load(key, None) == "new"
    assert io.load_staged(staged) == "new"  # after publishing it reads the stored value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pkl"]


def test_a_discarded_staged_file_leaves_the_old_value(tmp_path: Path) -> None:
    io = hw.FilesystemIOManager(tmp_path)
    key = hw.AssetKey("a")
    io.save(key, "p1", "old")
    _, staged = io.stage(key, "p1", "new")
    staged.discard()
    assert io.load(key, "p1") == "old"
    assert [p.name for p in (tmp_path / "a.parts").iterdir()] == ["p1.pkl"]


def test_a_published_file_that_was_removed_says_what_to_do(tmp_path: Path) -> None:
    io = hw.FilesystemIOManager(tmp_path)
    _, staged = io.stage(hw.AssetKey("a"), None, 1)
    os.unlink(staged.staging)
    with pytest.raises(hw.IOManagerError, match="asset 'a': its staged value .* was removed .* materialize it again"):
        staged.publish()


def test_leftovers_of_ended_processes_are_removed_on_the_next_save(tmp_path: Path) -> None:
    dead = _dead_owner()
    left = tmp_path / Path(staging_name(str(tmp_path / "a.pkl"), dead)).name
    left.write_bytes(b"half")
    legacy = tmp_path / "a.pkl.999999999-1.tmp"  # the temporary file of the writes before staging
    legacy.write_bytes(b"half")
    waiting = Path(staging_name(str(tmp_path / "b.pkl"), ""))  # this live process will publish it
    waiting.write_bytes(b"mine")
    io = hw.FilesystemIOManager(tmp_path)
    io.save(hw.AssetKey("a"), None, 1)
    assert not left.exists() and not legacy.exists()
    assert waiting.exists()
    assert remove_stale(str(tmp_path)) == 0
    assert io.remove_stale() == 0


def test_parquet_and_duckdb_stage_until_published(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("duckdb")
    old, new = pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [2, 3]})
    for io in (hw.ParquetIOManager(tmp_path / "pq"), hw.DuckDBIOManager(tmp_path / "w.duckdb")):
        for partition in (None, "p1"):
            key = hw.AssetKey("t" if partition is None else "tp")
            io.save(key, partition, old)
            _, staged = io.stage(key, partition, new)
            assert io.load(key, partition)["x"].tolist() == [1], io
            assert io.load_staged(staged)["x"].tolist() == [2, 3], io
            staged.publish()
            assert io.load(key, partition)["x"].tolist() == [2, 3], io
            _, dropped = io.stage(key, partition, old)
            dropped.discard()
            assert io.load(key, partition)["x"].tolist() == [2, 3], io
    duck = hw.DuckDBIOManager(tmp_path / "w.duckdb")
    with duck.connect() as con:
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    assert tables == ["t", "tp"]  # no staged table is left
