"""``headwater runs list|show|logs``: they read storage only, never user code."""

from __future__ import annotations

import json
from pathlib import Path

from headwater import Instance, RunRecord

from .helpers import flat, invoke, run


def _run_ids() -> list[str]:
    with Instance.get() as instance:
        return [r.run_id for r in instance.storage.list_runs()]


def test_list_text_json_and_status_filter(project: Path, failing: Path) -> None:
    run("materialize", "-f", str(project), "--select", "orders", "--tag", "who=me", ok=True)
    invoke(["materialize", "-f", str(failing)])
    newest, oldest = _run_ids()
    text = flat(run("runs", "list", ok=True).stdout)
    assert text.index(newest) < text.index(oldest)
    assert "who=me" in text and "failed" in text and "succeeded" in text
    data = json.loads(run("runs", "list", "--status", "failed", "--json", ok=True).stdout)
    assert [r["run_id"] for r in data] == [newest]
    assert json.loads(run("runs", "list", "--limit", "1", "--json").stdout)[0]["run_id"] == newest


def test_list_empty(home: Path) -> None:
    assert "no runs yet" in run("runs", "list", ok=True).stdout


def test_show_by_prefix(project: Path) -> None:
    run("materialize", "-f", str(project), "--select", "+revenue", ok=True)
    (run_id,) = _run_ids()
    text = flat(run("runs", "show", run_id[:6], ok=True).stdout)
    assert f"run {run_id}" in text
    assert "status succeeded" in text and "selection +revenue" in text
    assert "revenue │ materialized" in text
    data = json.loads(run("runs", "show", run_id[:6], "--json", ok=True).stdout)
    assert data["run_id"] == run_id and [s["assets"] for s in data["steps"]] == [["orders"], ["revenue"]]


def test_show_failed_run_lists_errors(failing: Path) -> None:
    invoke(["materialize", "-f", str(failing)])
    (run_id,) = _run_ids()
    text = flat(run("runs", "show", run_id, ok=True).stdout)
    assert "broken: step 'broken' failed: ValueError: the warehouse is on fire" in text
    assert "after │ skipped" in text


def _add_runs(*ids: str) -> None:
    with Instance.get() as instance:
        for run_id in ids:
            instance.storage.add_run(RunRecord(run_id=run_id))


def test_ambiguous_and_unknown_prefix(home: Path) -> None:
    _add_runs("abc111", "abc222", "def333")
    result = invoke(["runs", "show", "abc"])
    assert result.exit_code == 2
    assert "error: run id prefix 'abc' is ambiguous: it matches 2 runs" in flat(result.stderr)
    result = invoke(["runs", "show", "zzz"])
    assert result.exit_code == 2
    assert "error: no run with id 'zzz'" in result.stderr
    assert "run def333" in run("runs", "show", "d", ok=True).stdout


def test_logs_show_printed_lines_and_tracebacks(project: Path, failing: Path) -> None:
    run("materialize", "-f", str(project), "--select", "+revenue", ok=True)
    (run_id,) = _run_ids()
    text = run("runs", "logs", run_id[:8], ok=True).stdout
    assert "step orders" in text and "loading orders from the shop" in text
    assert "INFO summing 3 orders" in text
    only = run("runs", "logs", run_id[:8], "--step", "revenue", ok=True).stdout
    assert "summing 3 orders" in only and "loading orders" not in only
    invoke(["materialize", "-f", str(failing)])
    failed_id = _run_ids()[0]
    text = run("runs", "logs", failed_id, ok=True).stdout
    assert "about to fail in broken" in text
    assert "traceback of step broken" in text
    assert 'raise ValueError("the warehouse is on fire")' in text


def test_logs_unknown_step_suggests(project: Path) -> None:
    run("materialize", "-f", str(project), "--select", "+revenue", ok=True)
    (run_id,) = _run_ids()
    result = invoke(["runs", "logs", run_id, "--step", "revenu"])
    assert result.exit_code == 2
    assert "has no step 'revenu' (did you mean 'revenue'?)" in result.stderr


def test_runs_commands_need_no_definitions(project: Path, tmp_path: Path) -> None:
    run("materialize", "-f", str(project), "--select", "orders", ok=True)
    project.unlink()
    (run_id,) = _run_ids()
    assert run_id in run("runs", "list", ok=True).stdout
    assert "orders" in run("runs", "show", run_id, ok=True).stdout


def test_reexecute_from_failure_after_a_fix(failing: Path) -> None:
    invoke(["materialize", "-f", str(failing)])
    (failed_id,) = _run_ids()
    text = flat(invoke(["runs", "reexecute", failed_id[:8], "-f", str(failing)]).stderr)
    assert "the warehouse is on fire" in text  # still broken: the new run fails the same step
    fixed = failing.with_name("fixed.py")  # the fix, in a new file: this process already imported failing.py
    fixed.write_text(failing.read_text().replace('raise ValueError("the warehouse is on fire")', "return source"))
    data = json.loads(run("runs", "reexecute", failed_id, "-f", str(fixed), "--json", ok=True).stdout)
    assert data["status"] == "succeeded"
    assert sorted(a["asset"] for a in data["assets"]) == ["after", "broken"]  # 'source' is reused, not re-run
    with Instance.get() as instance:
        new = instance.storage.get_run(data["run_id"])
    assert new is not None and new.parent_run_id == failed_id
    again = invoke(["runs", "reexecute", data["run_id"], "-f", str(fixed)])
    assert again.exit_code == 2
    assert "succeeded, so there is no failure to re-execute from; re-execute it without --from-failure" in flat(
        again.stderr
    )
    everything = json.loads(run("runs", "reexecute", data["run_id"], "--all", "-f", str(fixed), "--json").stdout)
    assert everything["status"] == "succeeded"


def test_show_lists_reused_steps_as_unchanged(project: Path) -> None:
    run("materialize", "-f", str(project), "--select", "orders", ok=True)
    run("materialize", "-f", str(project), "--select", "orders", "--memoize", ok=True)
    newest = _run_ids()[0]
    text = flat(run("runs", "show", newest, ok=True).stdout)
    assert "status succeeded" in text
    assert "orders │ unchanged" in text
