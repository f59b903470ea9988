"""Partitioned assets in real headless Chromium: the graph node and the catalog row show how many
partitions are materialized and failed instead of a bare state, and "Materialize" on a partitioned
asset picks partitions in place and launches them.

No timings are asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.loader import load_definitions

from .conftest import Project, write_project
from .test_browser import browser_page, serving

DAYS = """
import headwater as hw


@hw.asset(partitions=hw.DailyPartitions(start="2026-01-01", end="2026-01-11"))
def daily(context: hw.Context) -> int:
    if context.partition_key == "2026-01-05":
        raise ValueError("bad day")
    return 1


@hw.asset
def plain() -> int:
    return 1


defs = hw.Definitions(assets=[daily, plain])
"""


@pytest.fixture
def days(tmp_path: Path) -> Project:
    """Ten daily partitions: three materialized, one failed, six never run."""
    project = write_project(tmp_path, DAYS)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
            assert instance.materialize(defs, "daily", partition=day).success
        assert not instance.materialize(defs, "daily", partition="2026-01-05").success
    return project


def test_partition_health_on_the_node_and_the_catalog_row(chromium: str, days: Project) -> None:
    from playwright.sync_api import expect

    with serving(days) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/")
        node = page.locator('.node[data-key="daily"]')
        expect(node.locator('[data-fact="partitions"]')).to_have_text("3/10")
        expect(node.locator('[data-fact="failed"]')).to_have_text("1 failed")
        expect(node.locator('[data-fact="state"]')).not_to_have_text("missing")
        expect(node.locator("title")).to_contain_text("3 of 10 partitions materialized")
        expect(page.locator('.node[data-key="plain"] [data-fact="partitions"]')).to_have_count(0)
        page.goto(url + "/assets")
        row = page.locator('#catalog tr[data-key="daily"]')
        expect(row.locator(".partitions")).to_have_text("3/10 partitions · 1 failed")
        expect(row.locator(".badge")).not_to_have_text("missing")
        expect(page.locator('#catalog tr[data-key="plain"] .partitions')).to_have_count(0)
    assert errors == []


def test_materialize_a_partitioned_asset_picks_partitions_in_place(chromium: str, days: Project) -> None:
    from playwright.sync_api import expect

    with serving(days) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets")
        page.click('button[data-materialize="daily"]')
        picker = page.locator("#partition-picker")
        expect(picker).to_contain_text("10 partitions")
        expect(page.locator("#catalog-note")).not_to_have_class("error")
        page.fill("#pick-partition", "2026-01-04...2026-01-06")
        expect(page.locator("#pick-count")).to_contain_text("3 partitions selected: launches a backfill")
        expect(page.locator("#pick-launch")).to_be_enabled()
        page.fill("#pick-partition", "2026-13-01")
        expect(page.locator("#pick-count")).to_contain_text("2026-13-01")
        expect(page.locator("#pick-launch")).to_be_disabled()
        page.goto(url + "/")
        page.locator('.node[data-key="daily"]').click()
        page.click("#materialize")
        expect(page.locator("#partition-picker")).to_be_visible()
        page.click("#pick-latest")
        expect(page.locator("#pick-count")).to_have_text("partition 2026-01-10: one run")
        page.click("#pick-launch")
        page.wait_for_url("**/runs/*")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        page.goto(url + "/")
        expect(page.locator('.node[data-key="daily"] [data-fact="partitions"]')).to_have_text("4/10")
    assert errors == []


REGIONS = """
import headwater as hw


@hw.asset(
    partitions=hw.MultiPartitions(
        {"date": hw.DailyPartitions(start="2026-01-01", end="2026-01-03"), "region": hw.StaticPartitions(["eu", "us"])}
    )
)
def sales(context: hw.Context) -> int:
    return 0 if context.partition_key == "2026-01-02|eu" else 1


@hw.check(asset="sales")
def has_rows(sales: int) -> hw.CheckResult:
    return hw.CheckResult(passed=sales > 0)


defs = hw.Definitions(assets=[sales], checks=[has_rows])
"""


def test_the_partitions_tab_colours_each_partition_says_why_and_rolls_up_dimensions(
    chromium: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    project = write_project(tmp_path, REGIONS)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        for key in ("2026-01-01|eu", "2026-01-02|eu", "2026-01-02|us"):
            assert instance.materialize(defs, partition=key).success
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/sales?tab=partitions")
        grid = page.locator("#partition-grid")
        expect(grid).to_have_attribute("data-total", "4")
        expect(page.locator("#partition-counts")).to_contain_text("check failed 1")
        expect(page.locator("#partition-counts")).to_contain_text("materialized 2")
        # the grid is in key order: 01|eu, 01|us, 02|eu, 02|us; the third cell is the check failure
        grid.hover(position={"x": 2 * 13 + 6, "y": 6})
        expect(page.locator("#partition-hover")).to_have_text(
            "2026-01-02|eu: check failed (1) — check has_rows failed on its current value"
        )
        region = page.locator('table.partition-dimension[data-dimension="region"]')
        expect(region.locator("tr")).to_have_count(3)
        expect(region).to_contain_text("1 check failed, 1 materialized")
        date = page.locator('table.partition-dimension[data-dimension="date"]')
        expect(date.locator("tr").nth(1)).to_contain_text("1 materialized, 1 missing")
    assert errors == []
