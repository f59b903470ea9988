"""A value replaces the stored one only after its materialization is committed: a `headwater
materialize` process killed with SIGKILL between staging and recording, or between recording and
publishing, never leaves an unrecorded value where loads look, and the next run removes its leftovers."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import headwater as hw
from headwater.events import AssetMaterialized

PROJECT = """
import os
import time
from pathlib import Path
import headwater as hw

SYNC = Path(os.environ["HW_TEST_SYNC"])


@hw.asset
def value() -> str:
    return os.environ["HW_TEST_VALUE"]


@hw.check(asset="value")
def waits(value: str) -> hw.CheckResult:
    if os.environ.get("HW_KILL_AT") == "before_record":  # staged, not yet recorded
        (SYNC / "ready").touch()
        time.sleep(600)
    return hw.CheckResult(passed=True)


defs = hw.Definitions(assets=[value], checks=[waits])
"""

# Runs the CLI; at "before_publish" it stops where the run's events are committed and the values not yet renamed.
RUNNER = """
import os, sys, time
from pathlib import Path
from headwater.io.staging import StagedFile

if os.environ.get("HW_KILL_AT") == "before_publish":
    def stop(cls, items):
        (Path(os.environ["HW_TEST_SYNC"]) / "ready").touch()
        time.sleep(600)
    StagedFile.publish_many = classmethod(stop)
from headwater.cli.main import main
sys.argv = ["headwater", "materialize", "-f", sys.argv[1]]
main()
"""


def _run(tmp_path: Path, value: str, kill_at: str | None) -> None:
    env = {
        **os.environ,
        "HEADWATER_HOME": str(tmp_path / "home"),
        "HW_TEST_SYNC": str(tmp_path),
        "HW_TEST_VALUE": value,
    }
    env.pop("HW_KILL_AT", None)
    if kill_at is not None:
        env["HW_KILL_AT"] = kill_at
    cmd = [sys.executable, "-c", RUNNER, str(tmp_path / "project.py")]
    process = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if kill_at is None:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0, out.decode()
        return
    ready = tmp_path / "ready"
    for _ in range(3000):
        if ready.exists() or process.poll() is not None:
            break
        time.sleep(0.02)
    assert ready.exists(), process.communicate()[0].decode()
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    ready.unlink()


def _recorded(tmp_path: Path) -> str | None:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as instance:
        latest = instance.storage.latest("materialization").get(hw.AssetKey("value"))
    return None if latest is None else AssetMaterialized.from_data(latest.event.data).data_version


def _stored(tmp_path: Path) -> tuple[str, str]:
    data = (tmp_path / "home" / "storage" / "value.pkl").read_bytes()
    import pickle

    return pickle.loads(data), hashlib.blake2b(data, digest_size=8).hexdigest()


@pytest.mark.parametrize("kill_at", ["before_record", "before_publish"])
def test_a_killed_run_never_leaves_an_unrecorded_value(tmp_path: Path, kill_at: str) -> None:
    (tmp_path / "project.py").write_text(textwrap.dedent(PROJECT))
    _run(tmp_path, "old", None)
    old_version = _recorded(tmp_path)
    assert _stored(tmp_path) == ("old", old_version)

    _run(tmp_path, "new", kill_at)
    value, digest = _stored(tmp_path)
    assert value == "old"  # the stored value is never one no committed event describes
    staged = list((tmp_path / "home" / "storage").glob("value.pkl.*.staged"))
    assert len(staged) == 1  # the killed run's staging file is left
    if kill_at == "before_record":
        assert _recorded(tmp_path) == old_version == digest  # and nothing claims the new value
    else:
        # recorded, not yet renamed: the staged file holds exactly the recorded value
        recorded = _recorded(tmp_path)
        assert recorded != old_version
        assert hashlib.blake2b(staged[0].read_bytes(), digest_size=8).hexdigest() == recorded

    _run(tmp_path, "newer", None)
    value, digest = _stored(tmp_path)
    assert value == "newer" and digest == _recorded(tmp_path)
    assert sorted(p.name for p in (tmp_path / "home" / "storage").iterdir()) == ["value.pkl"]  # leftovers removed
