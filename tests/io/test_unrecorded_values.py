"""A value saved by a run killed before it recorded the value is refused, not read: real run
processes killed with SIGKILL between the save and the record. Temporary files of processes
killed mid-write are removed by the next write into their folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import headwater as hw
from headwater.errors import IOManagerError
from headwater.io.filesystem import FilesystemIOManager, remove_dead_temporaries

PROJECT = """
import os
import signal

import headwater as hw
from headwater.io import FilesystemIOManager


class KilledAfterSave(FilesystemIOManager):
    \"\"\"Saves like the default manager, then dies when told to: the step never reports back.\"\"\"

    def save(self, key, partition, value):
        stored = super().save(key, partition, value)
        if os.environ.get("KILL_AFTER_SAVE") == str(key):
            os.kill(os.getpid(), signal.SIGKILL)
        return stored


@hw.asset(io_manager="values")
def raw() -> int:
    return int(os.environ["RAW"])


@hw.asset(io_manager="values")
def report(raw: int) -> str:
    return f"raw is {raw}"


def definitions(base):
    return hw.Definitions(assets=[raw, report], io_managers={"values": KilledAfterSave(base)})
"""

RUN = """
import sys

import headwater as hw
from project import definitions

home, select = sys.argv[1], sys.argv[2]
with hw.Instance.from_config(hw.InstanceConfig(home=home)) as instance:
    result = instance.materialize(definitions(home + "/values"), select)
    errors = instance.failed_step_errors(result.run_id)
print("success" if result.success else "failed: " + " | ".join(errors))
"""


def _run(tmp_path: Path, select: str, raw: int, kill: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAW": str(raw), "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("KILL_AFTER_SAVE", None)
    if kill is not None:
        env["KILL_AFTER_SAVE"] = kill
    return subprocess.run(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "home"), select],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_value_saved_by_a_run_killed_before_recording_it_is_refused(tmp_path: Path) -> None:
    (tmp_path / "project.py").write_text(PROJECT)
    (tmp_path / "run.py").write_text(RUN)
    first = _run(tmp_path, "*", raw=1)
    assert first.stdout.strip() == "success", first.stderr

    killed = _run(tmp_path, "raw", raw=2, kill="raw")
    assert killed.returncode == -signal.SIGKILL
    values = FilesystemIOManager(tmp_path / "home" / "values")
    assert values.load(hw.AssetKey("raw"), None) == 2  # on disk, but no event records it

    refused = _run(tmp_path, "report", raw=2)
    out = refused.stdout.strip()
    assert out.startswith("failed: asset 'raw': the value stored at "), refused.stderr
    assert "is not the one its latest materialization recorded (hash " in out
    assert "a run that stopped between saving and recording it left it there" in out
    assert "or another run replaced it after this run started: materialize it again" in out
    assert "(e.g. `headwater materialize --select raw`), or run this run again once the other has ended" in out
    assert values.load(hw.AssetKey("report"), None) == "raw is 1"  # the old report stays

    again = _run(tmp_path, "*", raw=2)
    assert again.stdout.strip() == "success", again.stderr
    assert values.load(hw.AssetKey("report"), None) == "raw is 2"


def test_a_value_replaced_outside_headwater_is_refused_in_process(tmp_path: Path) -> None:
    @hw.asset
    def base() -> list[int]:
        return [1, 2]

    @hw.asset
    def total(base: list[int]) -> int:
        return sum(base)

    defs = hw.Definitions(assets=[base, total])
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        assert instance.materialize(defs).success
        path = instance.io_manager.path_for(hw.AssetKey("base"), None)  # type: ignore[attr-defined]
        FilesystemIOManager(tmp_path / "other").save(hw.AssetKey("base"), None, [5])
        path.write_bytes((tmp_path / "other" / "base.pkl").read_bytes())
        result = instance.materialize(defs, "total")
        assert not result.success
        [error] = instance.failed_step_errors(result.run_id)
        assert "asset 'base': the value stored at" in error


def test_the_parquet_manager_checks_the_recorded_hash(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas", reason="the Parquet IO manager needs pandas (a dev dependency)")
    manager = hw.ParquetIOManager(tmp_path)
    key = hw.AssetKey("frame")
    stored = manager.save(key, "2026-01-01", pandas.DataFrame({"a": [1, 2]}))
    assert list(manager.load_recorded(key, "2026-01-01", stored["hash"])["a"]) == [1, 2]
    with pytest.raises(IOManagerError, match="partition '2026-01-01': the value stored at .* is not the one"):
        manager.load_recorded(key, "2026-01-01", "0" * 16)


def test_temporary_files_of_killed_writers_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f"orders.pkl.{_dead_pid()}-1.tmp"
    live = tmp_path / f"orders.pkl.{os.getpid()}-1.tmp"
    other = tmp_path / "notes.tmp"
    for path in (dead, live, other):
        path.write_bytes(b"partial")
    FilesystemIOManager(tmp_path).save(hw.AssetKey("orders"), None, [1])
    assert not dead.exists()
    assert live.exists() and other.exists()  # a live writer's file, and a file that is not ours
    assert remove_dead_temporaries(str(tmp_path)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "orders.pkl"])


def test_a_temporary_file_left_by_a_kill_mid_write_is_removed_by_the_next_write(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal, sys
        from headwater.io import filesystem

        def killed(source, target):  # the bytes are written; the process dies before the rename
            os.kill(os.getpid(), signal.SIGKILL)
        os.replace = killed
        filesystem.write_atomic(sys.argv[1] + "/orders.pkl", b"x" * 1000)
        """
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False, capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL
    [left] = list(tmp_path.iterdir())
    assert left.name.endswith(".tmp") and not (tmp_path / "orders.pkl").exists()
    FilesystemIOManager(tmp_path).save(hw.AssetKey("orders"), None, [1])
    assert [p.name for p in tmp_path.iterdir()] == ["orders.pkl"]


def _dead_pid() -> int:
    """A pid no process has: above the kernel's limit."""
    limit = Path("/proc/sys/kernel/pid_max")
    return int(limit.read_text()) + 1 if limit.exists() else 2**22 + 1
