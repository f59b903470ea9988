"""A queued run (``materialize --run-id ID``) whose definitions do not load ends failed with the
loader's error, so its run page says why instead of only the launcher's exit code."""

from __future__ import annotations

import json
from pathlib import Path

import headwater as hw

from .helpers import PROJECT, flat, run, write


def test_a_queued_run_whose_definitions_do_not_load_fails_with_why(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "defs.py", PROJECT)
    queued = run("materialize", "-f", str(project), "--select", "orders", "--queue", "--json", ok=True)
    run_id = json.loads(queued.output)["run_id"]
    broken = write(tmp_path, "broken.py", "raise RuntimeError('the code is broken')\n")
    result = run("materialize", "-f", str(broken), "--run-id", run_id)
    assert result.exit_code == 2
    with hw.Instance.get() as instance:
        record = instance.storage.get_run(run_id)
    assert record is not None and record.status is hw.RunStatus.FAILED
    expected = (
        f"error while loading definitions from -f {broken} (attribute 'defs'): RuntimeError: the code is broken "
        f"(raised at {broken}:1, in <module>); fix the code there"
    )
    assert record.error == expected and expected in flat(result.output)
