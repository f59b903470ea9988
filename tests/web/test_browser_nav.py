"""Richer graph nodes and navigation in real headless Chromium: what a node says (state, kind,
checks, overdue) and how a long key is cut; the sidebar tree of groups and assets; the Ctrl-K
search across pages, assets and runs.

No timings are asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.loader import load_definitions

from .conftest import Project, write_project
from .test_browser import browser_page, serving

NODES = """
from datetime import timedelta

import headwater as hw


@hw.asset(group="raw", kinds=["csv"])
def orders() -> int:
    return 1


@hw.asset(group="mart", freshness=hw.Freshness(max_lag=timedelta(microseconds=1)))
def revenue(orders: int) -> int:
    return orders


@hw.asset(group="mart", key_prefix=["warehouse", "finance"], ins={"revenue": "revenue"})
def quarterly_revenue_by_region_and_channel(revenue: int) -> int:
    return revenue


@hw.check(asset=revenue)
def big(revenue: int) -> hw.CheckResult:
    return hw.CheckResult(passed=revenue > 10)


@hw.check(asset=orders)
def some(orders: int) -> hw.CheckResult:
    return hw.CheckResult(passed=orders > 0)


defs = hw.Definitions(assets=[orders, revenue, quarterly_revenue_by_region_and_channel], checks=[big, some])
"""
LONG = "warehouse/finance/quarterly_revenue_by_region_and_channel"


@pytest.fixture
def nodes(tmp_path: Path) -> Project:
    """Three assets over two groups, materialized once: a kind, a passed and a failed check, an overdue asset."""
    project = write_project(tmp_path, NODES)
    with project.instance() as instance:
        instance.materialize(load_definitions(project.location))
    return project


def test_nodes_show_state_kind_checks_and_overdue_and_cut_long_keys_at_the_end(chromium: str, nodes: Project) -> None:
    from playwright.sync_api import expect

    with serving(nodes) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/")
        orders = page.locator('.node[data-key="orders"]')
        expect(orders.locator('[data-fact="kind"]')).to_have_text("csv")
        expect(orders.locator('[data-fact="kind"]')).to_be_visible()  # drawn as SVG, not only in the DOM
        expect(orders.locator('[data-fact="checks"]')).to_have_text("✓1/1 checks")
        expect(orders.locator('[data-fact="state"]')).to_have_text("fresh")
        revenue = page.locator('.node[data-key="revenue"]')
        expect(revenue.locator('[data-fact="checks"]')).to_have_text("✗1/1 checks")
        expect(revenue.locator('[data-fact="overdue"]')).to_have_text("overdue")
        expect(revenue.locator("title")).to_contain_text("check failed")  # no room left on the node
        expect(revenue.locator("title")).to_contain_text("checks: 0 of 1 passed, 1 failed")
        long = page.locator(f'.node[data-key="{LONG}"]')
        label = long.locator("text.node-key")
        expect(label).to_have_text(LONG[:26] + "…")  # its start is kept; the end is cut
        expect(long.locator("title")).to_contain_text(LONG)
        assert page.evaluate(
            """() => [...document.querySelectorAll(".node")].every((n) => {
                const box = n.querySelector("rect").getBBox();
                return [...n.querySelectorAll("text")].every((t) => t.getBBox().x + t.getBBox().width <= box.width);
            })"""
        ), "a node's text runs out of its box"
    assert errors == []


def test_sidebar_tree_of_groups_and_assets_shows_them_in_the_graph(chromium: str, nodes: Project) -> None:
    from playwright.sync_api import expect

    with serving(nodes) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/")
        tree = page.locator("#tree")
        expect(tree.locator("li[data-group]")).to_have_count(2)
        mart = tree.locator('li[data-group="mart"]')
        expect(mart.locator("li[data-key]")).to_have_count(0)  # closed
        mart.locator(".tree-toggle").click()
        expect(mart.locator("li[data-key]")).to_have_text(["revenue", LONG])
        expect(mart.locator('li[data-key="revenue"] .dot')).to_have_class("dot st-check_failed")
        mart.locator('li[data-key="revenue"] a').click()
        expect(page.locator("#panel h2")).to_have_text("revenue")
        page.click("#collapse-all")
        expect(page.locator('.node[data-key="orders"]')).to_have_count(0)
        tree.locator('li[data-group="raw"] a.tree-group').click()  # opens the collapsed group in the graph
        expect(page.locator('.node[data-key="orders"]')).to_be_visible()
        page.click("#tree-toggle")
        expect(tree).to_be_hidden()
    assert errors == []


def test_ctrl_k_finds_pages_assets_and_runs_from_any_page(chromium: str, nodes: Project) -> None:
    from playwright.sync_api import expect

    with nodes.instance() as instance:
        run_id = instance.storage.list_runs(limit=1)[0].run_id
    with serving(nodes) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/runs")
        expect(page.locator("#palette-open")).to_be_visible()
        page.keyboard.press("Control+k")
        palette = page.locator("#palette")
        expect(palette).to_be_visible()
        expect(page.locator("#palette-input")).to_be_focused()
        page.keyboard.type("rev")
        options = page.locator("#palette-results [role=option]")
        expect(options.first).to_have_attribute("data-href", "/assets/revenue")
        expect(page.locator('#palette-results [data-kind="asset"]')).to_have_text(["revenue", LONG])
        page.keyboard.press("Escape")
        expect(palette).to_be_hidden()
        page.click("#palette-open")
        page.keyboard.type(run_id[:6])
        expect(page.locator('#palette-results [data-kind="run"]')).to_have_attribute("data-href", f"/runs/{run_id}")
        page.fill("#palette-input", "catal")
        expect(options).to_have_count(1)
        expect(options).to_have_attribute("data-href", "/assets")
        page.fill("#palette-input", "quarterly")
        expect(page.locator('#palette-results [data-kind="asset"]')).to_have_text([LONG])
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/assets/{LONG}")
        page.keyboard.press("Control+k")
        page.keyboard.type("orders")
        page.keyboard.press("ArrowDown")  # orders is the only match: it stays selected
        page.keyboard.press("Enter")
        page.wait_for_url("**/assets/orders")
    assert errors == []
