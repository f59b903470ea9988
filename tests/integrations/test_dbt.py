"""hw.dbt_assets on the examples/dbt_shop project with real dbt-core and dbt-duckdb.

dbt takes seconds to start, so one copy of the project is parsed and built once per module and
most tests read that build; each other test runs exactly one more dbt command.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import headwater as hw
from headwater.events import EventType
from headwater.loader import find_location

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dbt_shop"
DBT_KEYS = {
    "raw_orders",
    "raw_payments",
    "stg_orders",
    "stg_payments",
    "customer_orders",
    "daily_revenue",
    "orders_snapshot",
}
STEP = "dbt_dbt_shop"


@dataclass
class Shop:
    dir: Path
    defs: hw.Definitions
    instance: hw.Instance
    built: hw.RunResult


def _copy(dest: Path, *, with_target: bool) -> Path:
    ignore = shutil.ignore_patterns(".headwater", "logs", *(() if with_target else ("target",)))
    shutil.copytree(EXAMPLE, dest, ignore=ignore)  # copy2 keeps modification times: the manifest stays fresh
    return dest


def _load(project: Path) -> hw.Definitions:
    return hw.load_definitions(find_location(file=str(project / "defs.py"), attribute="defs"))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    base = tmp_path_factory.mktemp("dbt_shop")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_SHOP_DUCKDB", str(base / "warehouse" / "shop.duckdb"))
        project = _copy(base / "project", with_target=False)
        defs = _load(project)  # runs dbt parse: no manifest yet
        instance = hw.Instance.get(project)
        try:
            built = hw.materialize(defs, instance=instance)
            yield Shop(dir=project, defs=defs, instance=instance, built=built)
        finally:
            instance.close()


def _materialized(result: hw.RunResult) -> set[str]:
    return {k.to_string() for k in result.materialized}


def _checks(result: hw.RunResult) -> dict[str, dict[str, object]]:
    return {f"{e.asset_key}:{e.data['check']}": e.data for e in result.of_type(EventType.CHECK_EVALUATED)}


def _built_nodes(project: Path) -> list[str]:
    results = json.loads((project / "target" / "run_results.json").read_text())
    return sorted(r["unique_id"] for r in results["results"])


def test_models_seeds_sources_and_tests_become_assets_and_checks(shop: Shop) -> None:
    graph = hw.AssetGraph.from_definitions(shop.defs)
    assert set(graph.key_strings) >= DBT_KEYS
    assert graph.node("customer_orders").parents == {
        hw.AssetKey("raw", "customers"),
        hw.AssetKey("stg_orders"),
        hw.AssetKey("stg_payments"),
    }
    assert graph.node("stg_orders").parents == {hw.AssetKey("raw_orders")}
    assert graph.node("top_customers").parents == {hw.AssetKey("customer_orders")}
    orders = graph.spec(hw.AssetKey("customer_orders"))
    assert orders.group == "finance"
    assert orders.owners == ("finance@example.com",)
    assert dict(orders.tags) == {"daily": "", "customers": ""}
    assert orders.kinds == {"dbt", "model"}
    assert orders.description == "One row per customer with their order count and amount paid."
    assert orders.code_version
    assert orders.metadata["column_lineage"]["customer_id"] == [
        {"asset": "raw/customers", "column": "customer_id"},
        {"asset": "stg_orders", "column": "customer_id"},
    ]
    assert graph.spec(hw.AssetKey("stg_orders")).metadata["schema"]["ordered_on"] == "date"
    assert graph.spec(hw.AssetKey("raw_orders")).group == "staging"
    assert graph.spec(hw.AssetKey("orders_snapshot")).kinds == {"dbt", "snapshot"}
    assert graph.node("orders_snapshot").parents == {hw.AssetKey("stg_orders")}
    checks = {c.id: c for c in shop.defs.checks}
    assert set(checks) == {
        "stg_orders:unique_stg_orders_order_id",
        "stg_orders:not_null_stg_orders_order_id",
        "stg_orders:accepted_values_stg_orders_status__placed__shipped__returned",
        "stg_payments:unique_stg_payments_payment_id",
        "stg_payments:assert_payments_below_limit",
        "customer_orders:unique_customer_orders_customer_id",
    }
    assert checks["stg_payments:assert_payments_below_limit"].blocking
    # the source fed by a Python asset is that asset, not a second declaration of it
    assert not graph.spec(hw.AssetKey("raw", "customers")).is_source
    assert shop.instance.plan(shop.defs, "kind:dbt").asset_keys
    assert {k.to_string() for k in shop.instance.plan(shop.defs, "kind:dbt").asset_keys} == DBT_KEYS


def test_materializing_everything_runs_one_dbt_build_and_records_each_node(shop: Shop) -> None:
    result = shop.built
    assert result.success, shop.instance.failed_step_errors(result.run_id)
    assert _materialized(result) == DBT_KEYS | {"raw/customers", "top_customers"}
    dbt_steps = {e.step_key for e in result.of_type(EventType.ASSET_MATERIALIZED) if e.asset_key.name in DBT_KEYS}
    assert dbt_steps == {STEP}
    logs = "".join(r.text for r in shop.instance.storage.get_logs(result.run_id, STEP))
    assert logs.count("dbt build --select") == 1
    seed = result.metadata_of("raw_orders")
    assert seed["rows_affected"] == 5
    assert seed["dbt_status"] == "success"
    assert isinstance(seed["execution_time"], float)
    assert result.metadata_of("customer_orders")["schema"]["customer_id"] == ""
    checks = _checks(result)
    assert len(checks) == 6
    assert all(data["passed"] for data in checks.values()), checks
    assert checks["stg_orders:unique_stg_orders_order_id"]["metadata"] == {
        "dbt_status": "pass",
        "dbt_unique_id": "test.dbt_shop.unique_stg_orders_order_id.e3b841c71a",
        "failures": 0,
    }
    assert result.value_of("customer_orders")["relation"].endswith('"main"."customer_orders"')
    found = hw.column_lineage(shop.instance, shop.defs, "customer_orders", column="customer_id")
    assert {(r.asset, r.distance) for r in found.columns[0].upstream} == {
        ("raw/customers", 1),
        ("stg_orders", 1),
        ("raw_orders", 2),
    }
    assert result.value_of("top_customers") == [{"name": "Cy", "amount": 120.0}, {"name": "Bo", "amount": 53.5}]


def test_materializing_one_model_builds_only_that_node_and_its_tests(shop: Shop) -> None:
    result = hw.materialize(shop.defs, select="stg_orders", instance=shop.instance)
    assert result.success
    assert _materialized(result) == {"stg_orders"}
    assert _built_nodes(shop.dir) == [
        "model.dbt_shop.stg_orders",
        "test.dbt_shop.accepted_values_stg_orders_status__placed__shipped__returned.b52273e597",
        "test.dbt_shop.not_null_stg_orders_order_id.81cfe2fe64",
        "test.dbt_shop.unique_stg_orders_order_id.e3b841c71a",
    ]
    assert set(_checks(result)) == {
        "stg_orders:unique_stg_orders_order_id",
        "stg_orders:not_null_stg_orders_order_id",
        "stg_orders:accepted_values_stg_orders_status__placed__shipped__returned",
    }


def test_a_failing_dbt_test_is_a_failed_check(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_SHOP_MAX_PAYMENT", "100")  # the 120.00 payment is now over the limit
    result = hw.materialize(shop.defs, select="stg_payments+1", instance=shop.instance)
    assert _materialized(result) == {"stg_payments"}
    failed = _checks(result)["stg_payments:assert_payments_below_limit"]
    assert failed["passed"] is False
    assert failed["metadata"]["failures"] == 1
    assert failed["metadata"]["dbt_status"] == "fail"
    assert _checks(result)["stg_payments:unique_stg_payments_payment_id"]["passed"] is True
    # dbt skipped the models downstream of the failed test: the step says so and the run failed
    assert not result.success
    [error] = shop.instance.failed_step_errors(result.run_id)
    assert "model 'customer_orders': skipped" in error
    assert "model 'daily_revenue': skipped" in error


def test_select_keeps_those_nodes_as_assets_and_their_dbt_parents_as_sources(shop: Shop, tmp_path: Path) -> None:
    project = _copy(tmp_path / "project", with_target=True)
    daily = hw.dbt_assets(project, select="tag:daily", exclude="daily_revenue")  # runs dbt ls
    specs = {s.key.to_string(): s for item in daily.assets for s in getattr(item, "specs", [item])}
    assert {k for k, s in specs.items() if not s.is_source} == {"customer_orders"}
    assert {k for k, s in specs.items() if s.is_source} == {"stg_orders", "stg_payments"}
    assert specs["stg_orders"].kinds == {"dbt", "model"}
    assert [c.id for c in daily.checks] == ["customer_orders:unique_customer_orders_customer_id"]
    cached = json.loads((project / "target" / "headwater_selection.json").read_text())
    assert cached["ids"] == ["model.dbt_shop.customer_orders"]  # loading again reads this, not dbt


def _edit_and_build(tmp_path: Path, daily_revenue_sql: str, select: str) -> tuple[Path, hw.RunResult, list[str]]:
    """Copy the built project, load it, then change a model's SQL and materialize ``select``."""
    project = _copy(tmp_path / "project", with_target=True)
    defs = _load(project)
    (project / "models" / "marts" / "daily_revenue.sql").write_text(daily_revenue_sql)
    with hw.Instance.get(project) as instance:
        result = hw.materialize(defs, select=select, instance=instance)
        errors = instance.failed_step_errors(result.run_id)
    return project, result, errors


def test_broken_sql_fails_its_model_with_the_database_message(shop: Shop, tmp_path: Path) -> None:
    _, result, [error] = _edit_and_build(tmp_path, "select ordered_on, from from where\n", "stg_orders daily_revenue")
    assert not result.success
    assert _materialized(result) == {"stg_orders"}  # what dbt did build is recorded
    [failed] = result.of_type(EventType.STEP_FAILED)
    assert failed.data["asset_keys"] == ["daily_revenue"]
    assert error.startswith(f"step '{STEP}' failed: dbt build of 1 of 2 node(s) failed: model 'daily_revenue': error:")
    assert "Parser Error" in error


def test_a_project_that_does_not_compile_names_the_project_and_dbt_error(tmp_path: Path) -> None:
    project = _copy(tmp_path / "project", with_target=False)
    (project / "models" / "marts" / "broken.sql").write_text("select * from {{ ref('no_such_model') }}\n")
    with pytest.raises(hw.DefinitionError) as caught:
        hw.dbt_assets(project)
    message = str(caught.value)
    assert message.startswith(f"dbt project {project} does not compile (dbt parse failed):")
    assert "no_such_model" in message
    assert "`dbt parse --project-dir" in message


def test_a_compile_error_at_build_time_fails_the_run_with_nothing_recorded(shop: Shop, tmp_path: Path) -> None:
    project, result, [error] = _edit_and_build(tmp_path, "select * from {{ ref('no_such_model') }}\n", "kind:dbt")
    assert not result.success
    assert result.materialized == []
    assert result.of_type(EventType.CHECK_EVALUATED) == []
    assert error.startswith(f"step '{STEP}' failed: dbt build of project {project} failed before building its models")
    assert "no_such_model" in error


def test_missing_dbt_says_which_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _copy(tmp_path / "project", with_target=False)
    monkeypatch.setitem(sys.modules, "dbt", None)  # as if dbt-core were not installed
    with pytest.raises(
        hw.ConfigError, match=r"hw.dbt_assets needs dbt-core, which is not installed: pip install 'headwater\[dbt\]'"
    ):
        hw.dbt_assets(project)


def test_import_headwater_does_not_import_dbt_or_pyspark() -> None:
    code = (
        "import sys, headwater as hw; hw.dbt_assets; hw.DbtAssets; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dbt', 'pyspark')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
