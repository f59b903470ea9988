"""The "Coming from Dagster" page is real: its Headwater snippets run, and every Headwater name its
mapping table gives resolves to something the package has."""

from __future__ import annotations

import importlib
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest

import headwater as hw
from headwater.cli.main import cli
from headwater.integrations.dbt import DbtTranslator

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "coming-from-dagster.md"
TEXT = PAGE.read_text()
# Headwater snippets are fenced ```python; the Dagster ones beside them are ```py and not run
# (Dagster is not installed).
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
NAME = re.compile(r"@?((?:hw|headwater)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)((?:/[A-Za-z_][A-Za-z0-9_]*)*)")


def _table() -> list[tuple[str, str]]:
    """The (Dagster, Headwater) cells of the concept mapping table."""
    section = TEXT.split("## Concept mapping", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Dagster") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        assert len(cells) == 2, f"a table row has {len(cells)} cells: {line}"
        rows.append((cells[0], cells[1]))
    return rows


ROWS = _table()


def _resolve(dotted: str) -> Any:
    """``hw.X.y`` from the package, ``headwater.a.b.C`` by importing the longest module prefix."""
    parts = dotted.split(".")
    if parts[0] == "hw":
        found: Any = hw
        for part in parts[1:]:
            found = getattr(found, part)
        return found
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise AssertionError(f"{dotted} names no module")


def _names(cell: str) -> list[str]:
    """Every ``hw.*`` or ``headwater.*`` name in a cell's code spans; ``a.b/c/d`` is ``a.b``, ``a.c``, ``a.d``."""
    names = []
    for span in re.findall(r"`([^`]+)`", cell):
        for match in NAME.finditer(span):
            dotted, more = match.group(1), match.group(2)
            if dotted == "headwater.toml":  # the configuration file, not a module
                continue
            names.append(dotted)
            parent = dotted.rsplit(".", 1)[0]
            names.extend(f"{parent}.{extra}" for extra in more.split("/")[1:])
    return names


def _run(index: int) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"coming_from_dagster_{index}"}
    exec(compile(BLOCKS[index], f"{PAGE}:block{index}", "exec"), namespace)
    return namespace


def test_the_table_maps_each_concept_the_page_promises() -> None:
    dagster = " ".join(d for d, _ in ROWS)
    for concept in [
        "@asset",
        "@multi_asset",
        "AssetIn",
        "deps=",
        "AssetKey",
        "Definitions",
        "ConfigurableResource",
        "Config",
        "IO managers",
        "@asset_check",
        "DailyPartitionsDefinition",
        "DynamicPartitionsDefinition",
        "MultiPartitionsDefinition",
        "Partition mappings",
        "Backfills",
        "ScheduleDefinition",
        "Cron aliases",
        "@sensor",
        "@asset_sensor",
        "@multi_asset_sensor",
        "context.instance",
        "define_asset_job",
        "AutomationCondition.eager()",
        "Freshness",
        "@dbt_assets",
        "DagsterDbtTranslator",
        "meta: {dagster: {asset_key",
        "MaterializeResult",
        "MetadataValue.md",
        "@observable_source_asset",
        "dagster dev",
        "dagster asset materialize",
        "Run tags",
        "Run retries",
        "Concurrency pools",
        "Code locations",
    ]:
        assert concept in dagster, f"the mapping table has no row for {concept}"
    assert all(h for _, h in ROWS), "every row says what Headwater has, or that it has nothing"


def test_every_headwater_name_in_the_table_resolves() -> None:
    names = sorted({n for _, cell in ROWS for n in _names(cell)})
    assert "hw.Job" in names and "headwater.integrations.dbt.DbtTranslator" in names
    assert "hw.MetadataValue.table_schema" in names and "hw.multi_asset_sensor" in names
    assert len(names) > 50
    missing = []
    for name in names:
        try:
            _resolve(name)
        except AttributeError:
            missing.append(name)
    assert not missing, f"the page names what Headwater does not have: {missing}"


def test_what_the_table_says_headwater_lacks_it_lacks() -> None:
    # The page says there is no AssetIn and no op layer, and that eager/on_cron are functions,
    # not methods of hw.AutomationCondition: if one appears, the page must change.
    for absent in ["AssetIn", "op", "graph", "job", "RetryPolicy", "DataVersion"]:
        assert absent not in hw.__all__, f"hw.{absent} exists now: update the Dagster page"
    for absent in ["eager", "on_cron", "on_missing"]:
        assert not hasattr(hw.AutomationCondition, absent)
    for claim in ["there is no `AssetIn` class", "Op jobs (`@op`, `@graph`, `@job`) have no equivalent"]:
        assert claim in TEXT


def _command(words: tuple[str, ...]) -> click.Command:
    """The ``headwater`` command named by ``words``; a word after a plain command is an argument."""
    found: click.Command = cli
    for word in words:
        if not isinstance(found, click.Group):
            break
        assert word in found.commands, f"headwater {' '.join(words)}: there is no command {word!r}"
        found = found.commands[word]
    return found


def test_every_headwater_command_in_the_table_exists() -> None:
    spans = [m for _, cell in ROWS for m in re.findall(r"`headwater ([a-z]+(?: [a-z]+)?)", cell)]
    commands = {tuple(span.split()) for span in spans}
    assert {("dev",), ("web",), ("daemon",), ("observe",), ("automation", "tick")} <= commands
    for words in commands:
        _command(words)
    wanted = {
        ("materialize",): ["--job", "--select", "--tag"],
        ("automation", "tick"): ["--at", "--dry-run"],
        ("backfill",): ["--partitions"],
    }
    for words, options in wanted.items():
        given = {opt for param in _command(words).params for opt in param.opts}
        for option in options:
            assert option in given, f"headwater {' '.join(words)} has no {option}"


@pytest.mark.parametrize("index", range(5))
def test_each_snippet_runs(index: int) -> None:
    assert len(BLOCKS) == 5, "the page has five Headwater snippets"
    _run(index)


def test_dependent_assets_materialize() -> None:
    ns = _run(0)
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(ns["defs"])
        assert result.success
        assert result.value_of("mart/revenue") == 15.5
        report = result.metadata_of("mart/revenue")["report"]
        assert report["@type"] == "markdown" and report["value"] == "**15.5**"


def test_resources_and_config_are_injected() -> None:
    ns = _run(1)
    with hw.Instance.ephemeral() as instance:
        low = instance.materialize(ns["defs"], config={"big_orders": {"min_amount": 1}})
        assert [r["id"] for r in low.value_of("big_orders")] == [1, 2]
        with pytest.raises(hw.ConfigError):
            instance.materialize(ns["defs"], config={"big_order": {"min_amount": 1}})


def test_a_failed_blocking_check_skips_downstream() -> None:
    ns = _run(2)
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(ns["defs"])
        assert result.materialized == [hw.AssetKey("orders")]


def test_partitions_read_through_a_time_window_mapping() -> None:
    ns = _run(3)
    with hw.Instance.ephemeral() as instance:
        for day in ["2026-01-03", "2026-01-04"]:
            assert instance.materialize(ns["defs"], "events", partition=day).success
        result = instance.materialize(ns["defs"], "two_days", partition="2026-01-04")
        assert result.value_of("two_days", partition="2026-01-04") == 2


def test_job_schedule_and_multi_asset_sensor() -> None:
    ns = _run(4)
    defs = ns["defs"]
    (job,) = defs.jobs
    assert isinstance(job, hw.Job) and job.select == "orders customers"
    (request,) = hw.evaluate_schedule(defs, "nightly_at_midnight", at=datetime(2026, 1, 5, 23, 59))
    assert request.select == "orders customers"
    assert request.tags["headwater/job"] == "nightly" and request.tags["team"] == "finance"
    assert request.run_key == ns["request"].run_key, "@daily ticks once a day, at midnight"
    with hw.Instance.ephemeral() as instance:
        start = hw.evaluate_sensor(defs, "both_updated", at=datetime(2026, 1, 5), instance=instance)
        assert instance.materialize(defs, "orders").success
        one = hw.evaluate_sensor(
            defs, "both_updated", at=datetime(2026, 1, 5, 1), cursor=start.cursor, instance=instance
        )
        assert one.run_requests == (), "require='all' waits for customers too"
        assert instance.materialize(defs, "customers").success
        both = hw.evaluate_sensor(
            defs, "both_updated", at=datetime(2026, 1, 5, 2), cursor=one.cursor, instance=instance
        )
        assert [r.select for r in both.run_requests] == ["report"]


@pytest.mark.parametrize("alias", ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"])
def test_the_cron_aliases_listed_are_accepted(alias: str) -> None:
    assert f"`{alias}`" in TEXT

    @hw.asset
    def orders() -> int:
        return 1

    defs = hw.Definitions(assets=[orders], schedules=[hw.Schedule("s", cron=alias)])
    (request,) = hw.evaluate_schedule(defs, "s", at=datetime(2026, 3, 4, 5, 6))
    assert request.run_key is not None and request.run_key.startswith("schedule:s:")
    hw.on_cron(alias)
    hw.Freshness(max_lag=timedelta(hours=1), cron=alias)


def test_the_dbt_translator_reads_dagster_meta() -> None:
    translator = DbtTranslator()
    node = {"name": "orders", "meta": {"dagster": {"asset_key": ["mart", "orders"], "group": "finance"}}}
    assert translator.asset_key(node) == hw.AssetKey("mart", "orders")
    assert translator.group(node) == "finance"
    assert translator.source_key(node) == hw.AssetKey("mart", "orders")
    both = {"meta": {"dagster": {"asset_key": ["a"]}, "headwater": {"key": "b/c", "automation": "eager"}}}
    assert translator.asset_key(both) == hw.AssetKey("b", "c"), "meta.headwater wins over meta.dagster"
    assert translator.automation(both) is hw.eager()
    for method in ["asset_key", "group", "owners", "automation", "source_key", "source_group"]:
        assert f"`{method}`" in TEXT and callable(getattr(DbtTranslator, method))


def test_an_asset_writing_its_own_data_returns_materialize_result() -> None:
    @hw.asset
    def exported() -> hw.MaterializeResult:
        return hw.MaterializeResult(metadata={"rows": 3}, data_version="v7")

    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(hw.Definitions(assets=[exported]))
        (event,) = result.of_type(hw.EventType.ASSET_MATERIALIZED)
        assert event.data["data_version"] == "v7" and result.metadata_of("exported")["rows"] == 3


def test_observable_source_asset_records_its_version() -> None:
    source = hw.SourceAsset("shop/export", observe=lambda: "v1")
    defs = hw.Definitions(assets=[source])
    with hw.Instance.ephemeral() as instance:
        (observed,) = instance.observe(defs).of_type(hw.EventType.ASSET_OBSERVED)
        assert observed.data["data_version"] == "v1"


def test_reserved_run_tags_named_on_the_page() -> None:
    tags = importlib.import_module("headwater.tags")
    for name in ["PRIORITY", "MAX_RETRIES"]:
        value = getattr(tags, name)
        assert f"`{value}`" in TEXT


def test_the_readme_links_the_page() -> None:
    assert "(docs/coming-from-dagster.md)" in (ROOT / "README.md").read_text()
