"""The asset page in real headless Chromium: tabs kept in the URL, a passed check reads "passed",
an overdue asset's header says so, plots have a time axis and a tooltip, and the history is paged
past the hundred materializations the page used to stop at."""

from __future__ import annotations

from pathlib import Path

from headwater.loader import load_definitions

from .conftest import Project, write_project
from .test_browser import browser_page, serving

ASSET = """
from datetime import timedelta

import headwater as hw


@hw.asset(freshness=hw.Freshness(max_lag=timedelta(microseconds=1)))
def ticker(context: hw.Context) -> hw.Output:
    return hw.Output(7, metadata={"rows": 7})


@hw.check(asset=ticker)
def positive(ticker) -> hw.CheckResult:
    return hw.CheckResult(passed=ticker > 0)


defs = hw.Definitions(assets=[ticker], checks=[positive])
"""
RUNS = 120


def ticker_project(folder: Path) -> Project:
    """``ticker`` materialized ``RUNS`` times (its check passes each time); overdue at once."""
    project = write_project(folder, ASSET)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        for _ in range(RUNS):
            assert instance.materialize(defs).success
    return project


def test_asset_page_tabs_checks_overdue_plots_and_paged_history(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = ticker_project(tmp_path)
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/ticker")
        expect(page.locator('[role=tab][aria-selected="true"]')).to_have_text("Overview")
        expect(page.locator("h1 .badge")).to_have_text("fresh")
        expect(page.locator("h1 #overdue")).to_have_text("overdue")
        expect(page.locator("#panel-checks")).to_be_hidden()

        plot = page.locator('#plots svg[data-metric="rows"]')
        expect(plot).to_be_visible()
        expect(plot.locator("text.x-tick")).to_have_count(3)  # first, middle and last time
        expect(plot.locator(".axis-label")).to_have_text("time")
        plot.hover()
        tip = page.locator(".plot-tip")
        expect(tip).to_be_visible()
        expect(tip).to_contain_text("rows = 7")

        page.click("#tab-checks")
        assert page.url.endswith("/assets/ticker?tab=checks")
        expect(page.locator("#panel-overview")).to_be_hidden()
        expect(page.locator('#checks tr[data-check="positive"] .badge')).to_have_text("passed")
        expect(page.locator("#check-history .badge").first).to_have_text("passed")

        page.click("#tab-history")
        assert page.url.endswith("?tab=history")
        rows = page.locator("#history tbody tr")
        expect(rows).to_have_count(50)
        expect(page.locator("#history-range")).to_have_text("1\u201350")
        expect(page.locator("#newer")).to_be_disabled()
        page.click("#older")
        expect(page.locator("#history-range")).to_have_text("51\u2013100")
        page.click("#older")
        expect(page.locator("#history-range")).to_have_text(f"101\u2013{RUNS}")
        expect(rows).to_have_count(RUNS - 100)
        expect(page.locator("#older")).to_be_disabled()
        page.click("#newer")
        expect(page.locator("#history-range")).to_have_text("51\u2013100")

        page.go_back()  # the tab is in the URL: back returns to the checks tab
        expect(page.locator("#tab-checks")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#panel-checks")).to_be_visible()
        page.goto(url + "/assets/ticker?tab=automation")
        expect(page.locator("#automation-condition")).to_have_text("none")
        expect(page.locator("#automation-freshness")).to_contain_text("policy: at most 0:00:00.000001 old")
        page.goto(url + "/assets/ticker?tab=partitions")
        expect(page.locator("#panel-partitions")).to_have_text("Not partitioned.")
    assert errors == []
