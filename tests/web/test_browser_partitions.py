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
