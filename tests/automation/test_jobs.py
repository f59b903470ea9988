"""Named selections (``hw.Job``): started by schedules and sensors by name, run by
``headwater materialize --job``, tagged ``headwater/job`` on their runs, and refused by
``headwater check`` when a ``job=`` names no job."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import headwater as hw
from headwater.automation import Daemon
from headwater.cli.main import cli
from headwater.storage.run_queue import RunQueueStore


@hw.asset(group="finance")
def invoices() -> int:
    return 1


@hw.asset(group="finance")
def ledger(invoices: int) -> int:
    return invoices + 1


@hw.asset
def clicks() -> int:
    return 3


NIGHTLY = hw.Job("nightly", select="group:finance", tags={"team": "finance"})


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _queued(instance: hw.Instance) -> dict[str, hw.RunRecord]:
    runs = [q.run for q in RunQueueStore(instance.storage).queue(launched=False)]
    return {r.tags.get("headwater/schedule") or r.tags["headwater/sensor"]: r for r in runs}


def test_schedules_and_sensors_start_a_job_by_name(instance: hw.Instance) -> None:
    defs = hw.Definitions(
        assets=[invoices, ledger, clicks],
        jobs=[NIGHTLY],
        schedules=[hw.Schedule("nightly_finance", cron="@daily", job="nightly")],
        sensors=[hw.asset_sensor("after_clicks", asset="clicks", job="nightly", interval=1)],
    )
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=_at("2026-01-07T23:00"))
    instance.materialize(defs, "clicks")
    daemon.tick(now=_at("2026-01-08T00:00:10"))
    runs = _queued(instance)
    for run in runs.values():
        assert run.selection == "group:finance"
        assert sorted(k.to_string() for k in run.asset_keys) == ["invoices", "ledger"]
        assert (run.tags["headwater/job"], run.tags["team"]) == ("nightly", "finance")
    assert set(runs) == {"nightly_finance", "after_clicks"}
    # The run succeeds, and keeps its job tag (what its run page shows).
    run = runs["nightly_finance"]
    result = instance.materialize(defs, run.selection, run_id=run.run_id)
    assert result.success and result.run.tags["headwater/job"] == "nightly"
    [request] = hw.evaluate_schedule(defs, "nightly_finance", at=datetime(2026, 1, 8))
    assert (request.select, request.tags["headwater/job"]) == ("group:finance", "nightly")


def test_a_job_name_that_does_not_exist() -> None:
    with pytest.raises(hw.DefinitionError) as raised:
        hw.Definitions(assets=[invoices], jobs=[NIGHTLY], schedules=[hw.Schedule("s", cron="@daily", job="nigthly")])
    assert str(raised.value) == (
        "schedule 's': job='nigthly' is not a job of these definitions (did you mean 'nightly'?); known jobs: "
        "nightly; declare it with Definitions(jobs=[hw.Job('nigthly', select=...)])"
    )
    with pytest.raises(hw.DefinitionError, match="sensor 'w': job='weekly' is not a job of these definitions;"):
        hw.Definitions(assets=[invoices], sensors=[hw.asset_sensor("w", asset="invoices", job="weekly")])
    with pytest.raises(hw.DefinitionError) as raised:
        hw.Schedule("s", cron="@daily", select="ledger", job="nightly")
    assert str(raised.value) == "schedule 's': give select= or job=, not both (the job has its own selection)"
    with pytest.raises(hw.DefinitionError) as raised:
        hw.Schedule("s", cron="@daily", job=" ")
    assert str(raised.value) == "schedule 's': job= must be the name of a hw.Job, e.g. job='nightly'"
    with pytest.raises(hw.DefinitionError) as raised:
        hw.asset_sensor("w", asset="invoices")
    assert str(raised.value) == (
        "asset_sensor 'w': give select= (a selection such as 'orders+') or job= (a hw.Job's name)"
    )
    with pytest.raises(hw.DefinitionError) as raised:
        hw.Definitions(assets=[invoices], jobs=[NIGHTLY, NIGHTLY])
    assert str(raised.value) == "Definitions: two jobs are named 'nightly'; give each a unique name"
    with pytest.raises(hw.DefinitionError) as raised:
        hw.Definitions(assets=[invoices], jobs=["nightly"])  # type: ignore[list-item]
    assert str(raised.value) == "Definitions(jobs=...) item 0 is str 'nightly': pass hw.Job('name', select=...)"
    with pytest.raises(hw.DefinitionError) as raised:
        hw.Job("j", select=" ")
    assert str(raised.value) == "job 'j': select= must be a selection string such as 'group:finance' or '*'"


PROJECT = """
import headwater as hw


@hw.asset(group="finance")
def invoices() -> int:
    return 1


@hw.asset
def clicks() -> int:
    return 3


defs = hw.Definitions(
    assets=[invoices, clicks],
    jobs=[hw.Job("nightly", select="group:finance", tags={"team": "finance"})],
    schedules=[hw.Schedule("nightly_finance", cron="@daily", job="{job}")],
)
"""


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, job: str) -> None:
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project.py").write_text(textwrap.dedent(PROJECT).replace("{job}", job))


def test_cli_materialize_a_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, monkeypatch, "nightly")
    result = CliRunner().invoke(cli, ["materialize", "-f", "project.py", "--job", "nightly", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [a["asset"] for a in found["assets"]] == ["invoices"]
    with hw.Instance.get() as instance:
        run = instance.storage.get_run(found["run_id"])
        assert run is not None and run.tags == {"team": "finance", "headwater/job": "nightly"}
    unknown = CliRunner().invoke(cli, ["materialize", "-f", "project.py", "--job", "nightlly"])
    assert unknown.exit_code != 0
    assert "--job: job='nightlly' is not a job of these definitions (did you mean 'nightly'?)" in unknown.output
    both = CliRunner().invoke(cli, ["materialize", "-f", "project.py", "--job", "nightly", "--select", "clicks"])
    assert both.exit_code == 2 and "give --select or --job, not both: the job has its own selection" in both.output


def test_check_refuses_an_unknown_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, monkeypatch, "nigthly")
    result = CliRunner().invoke(cli, ["check", "-f", "project.py"])
    assert result.exit_code != 0
    flat = " ".join(result.output.split())
    assert "schedule 'nightly_finance': job='nigthly' is not a job of these definitions (did you mean 'nightly'?)" in (
        flat
    )
