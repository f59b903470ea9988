"""The tests/integrations/dbt_ledger project (seeds -> staging -> marts) run through the CLI with real
dbt-core and dbt-duckdb: what one ``headwater materialize`` leaves behind.

dbt takes seconds to start, so the project is copied and materialized once per module.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

import headwater as hw
from headwater.cli.main import cli
from headwater.events import EventType
from headwater.loader import find_location
from headwater.state.versions import short_version

FIXTURE = Path(__file__).resolve().parent / "dbt_ledger"
DBT_KEYS = [
    "raw_accounts",
    "raw_transactions",
    "stg_accounts",
    "stg_transactions",
    "account_balances",
    "region_totals",
    "risk_report",
]
PYTHON_KEYS = ["largest_balances", "risk_scores"]


@dataclass
class Ledger:
    dir: Path
    materialized: str


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _json(*args: str) -> Any:
    return json.loads(_cli(*args, "--json"))


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    base = tmp_path_factory.mktemp("ledger")
    project = base / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("target", "logs", ".headwater"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGER_DUCKDB", str(base / "ledger.duckdb"))
        patch.chdir(project)
        yield Ledger(dir=project, materialized=_cli("materialize", "-f", "defs.py"))


def test_one_materialize_leaves_every_dbt_asset_fresh(ledger: Ledger) -> None:
    status = {row["key"]: row for row in _json("assets", "status", "-f", "defs.py")["assets"]}
    everything = DBT_KEYS + PYTHON_KEYS
    assert {key: status[key]["status"] for key in everything} == dict.fromkeys(everything, "fresh")
    assert all(status[key]["reasons"] == [] for key in everything)


def test_why_finds_each_upstream_built_in_the_same_dbt_build(ledger: Ledger) -> None:
    why = _json("assets", "why", "region_totals", "-f", "defs.py", "--depth", "3")
    assert why["status"] == "fresh"
    [balances] = why["inputs"]
    assert balances["key"] == "account_balances"
    assert balances["current"] is True
    staging = {child["key"]: child for child in balances["inputs"]}
    assert set(staging) == {"stg_accounts", "stg_transactions"}
    seeds = {seed["key"]: seed for child in staging.values() for seed in child["inputs"]}
    assert set(seeds) == {"raw_accounts", "raw_transactions"}
    for node in [balances, *staging.values(), *seeds.values()]:
        assert node["run_id"] is not None, f"{node['key']} shows as never materialized"
        assert node["consumed_version"] == short_version(node["data_version"])
    text = _cli("assets", "why", "region_totals", "-f", "defs.py")
    assert "never materialized" not in text


def test_a_python_asset_reads_a_dbt_model_as_a_dataframe(ledger: Ledger) -> None:
    with hw.Instance.get(ledger.dir) as instance:
        defs = hw.load_definitions(find_location(file=str(ledger.dir / "defs.py"), attribute="defs"))
        top = hw.materialize(defs, select="largest_balances", instance=instance).value_of("largest_balances")
        frame = defs.io_managers["dbt"].load(hw.AssetKey("region_totals"), None)
    assert top == [
        {"holder": "Ada", "balance": 70.0, "type": "DataFrame"},
        {"holder": "Bo", "balance": 55.5, "type": "DataFrame"},
    ]
    assert sorted(frame["region"]) == ["EU", "US"]
    assert sorted(frame.columns) == ["accounts", "balance", "region"]


def test_meta_headwater_and_meta_dagster_in_the_project_yaml_reach_the_assets(ledger: Ledger) -> None:
    defs = hw.load_definitions(find_location(file=str(ledger.dir / "defs.py"), attribute="defs"))
    graph = hw.AssetGraph.from_definitions(defs)
    balances = graph.spec(hw.AssetKey("account_balances"))
    assert (balances.group, balances.owners, balances.automation) == ("finance", ("team:finance",), hw.eager())
    assert graph.spec(hw.AssetKey("region_totals")).group == "reporting"
    assert graph.spec(hw.AssetKey("stg_accounts")).group == "default"


def _check_run(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["check", "run", "-f", "defs.py", *args, "--json"], catch_exceptions=False)
    return result.exit_code, {c["check"]: c for c in json.loads(result.output)["checks"]}


def test_a_singular_test_without_refs_is_a_check_of_the_project_run_by_dbt_test(ledger: Ledger) -> None:
    defs = hw.load_definitions(find_location(file=str(ledger.dir / "defs.py"), attribute="defs"))
    assert "ledger:assert_no_scratch_tables" in {c.id for c in defs.checks}
    code, checks = _check_run("--select", "ledger")
    assert code == 0
    assert checks["assert_no_scratch_tables"]["passed"] is True
    assert checks["assert_no_scratch_tables"]["metadata"]["dbt_status"] == "pass"
    with duckdb.connect(os.environ["LEDGER_DUCKDB"]) as con:
        con.execute("create table main.scratch_import (id integer)")
    try:
        code, checks = _check_run("--select", "ledger")
    finally:
        with duckdb.connect(os.environ["LEDGER_DUCKDB"]) as con:
            con.execute("drop table main.scratch_import")
    assert code == 1
    assert checks["assert_no_scratch_tables"]["passed"] is False
    assert checks["assert_no_scratch_tables"]["metadata"]["failures"] == 1


def test_check_run_on_a_model_runs_dbt_test_against_the_warehouse_as_it_is_now(ledger: Ledger) -> None:
    with duckdb.connect(os.environ["LEDGER_DUCKDB"]) as con:  # stg_accounts is a view over this seed
        con.execute("insert into main.raw_accounts values (1, 'Ada again', 'EU')")
    try:
        code, checks = _check_run("--select", "stg_accounts", "--check", "unique_stg_accounts_account_id")
    finally:
        with duckdb.connect(os.environ["LEDGER_DUCKDB"]) as con:
            con.execute("delete from main.raw_accounts where holder = 'Ada again'")
    assert code == 1  # the build recorded a pass; dbt test, run now, finds the duplicate
    assert checks["unique_stg_accounts_account_id"]["passed"] is False
    assert checks["unique_stg_accounts_account_id"]["metadata"]["failures"] == 1


def test_dbt_then_python_then_dbt_runs_in_one_run_as_two_dbt_steps(ledger: Ledger) -> None:
    run_id = ledger.materialized.split("run ")[-1].split()[0]
    with hw.Instance.get(ledger.dir) as instance:
        events = [r.event for r in instance.storage.get_events(run_id)]
        steps = {str(e.asset_key): e.step_key for e in events if e.type is EventType.ASSET_MATERIALIZED}
        logs = {step: "".join(r.text for r in instance.storage.get_logs(run_id, step)) for step in set(steps.values())}
    assert steps == {
        **dict.fromkeys(DBT_KEYS, "dbt_ledger"),
        "risk_report": "dbt_ledger_2",
        "largest_balances": "largest_balances",
        "risk_scores": "risk_scores",
    }
    assert logs["dbt_ledger"].count("dbt build --select") == 1
    assert "risk_report" not in logs["dbt_ledger"].split("dbt build --select")[1].splitlines()[0]
    assert logs["dbt_ledger_2"].count("dbt build --select risk_report") == 1
    report = duckdb.connect(os.environ["LEDGER_DUCKDB"], read_only=True)
    try:
        rows = report.execute("select region, account_id, score from main.risk_report order by account_id").fetchall()
    finally:
        report.close()
    assert rows == [("EU", 1, 0), ("EU", 2, 1), ("US", 3, 1)]
