"""The pages in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Opens the graph, clicks an asset, launches a materialization from the side panel and watches the
run page reach success; then the catalog and the asset page. No timings are asserted.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

from headwater.loader import load_definitions

from .conftest import Project, fix_broken, make_app, write_project
from .test_asset_page import FRESHNESS, typed_metadata_project
from .test_columns import frames_project
from .test_jobs import JOBS

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def serving(project: Project) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        make_app(project),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    uvi = uvicorn.Server(config)
    thread = threading.Thread(target=uvi.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvi.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uvi.should_exit = True
        thread.join(20)


@contextmanager
def browser_page(chromium: str) -> Iterator[tuple[Page, list[str]]]:
    """A page of a fresh headless Chromium and the list its uncaught script errors go to."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page, errors
        finally:
            browser.close()


@pytest.fixture
def server(project: Project) -> Iterator[str]:
    """The example project with two runs, served."""
    with serving(project) as url:
        yield url


@pytest.fixture
def pserver(partitioned: Project) -> Iterator[str]:
    """The partitioned project without runs, served."""
    with serving(partitioned) as url:
        yield url


@pytest.fixture
def aserver(automated: Project) -> Iterator[str]:
    """The project with schedules, sensors and conditions, ticked once, served."""
    with serving(automated) as url:
        yield url


def test_graph_click_materialize_and_watch_the_run(chromium: str, server: str) -> None:
    from playwright.sync_api import expect

    with browser_page(chromium) as (page, errors):
        page.goto(server + "/")
        node = page.locator('.node[data-key="report"]')
        expect(node).to_be_visible()
        expect(page.locator('.node[data-key="broken"]')).to_have_class("node st-failed")
        page.fill("#select", "+report")
        page.click("text=Select")
        expect(page.locator('.node.dim[data-key="broken"]')).to_be_visible()
        page.fill("#select", "nope")
        page.click("text=Select")
        expect(page.locator("#banner")).to_contain_text("no asset 'nope'")
        node.click()
        expect(page.locator("#panel h2")).to_have_text("report")
        page.click("#focus")
        expect(page.locator('.node[data-key="broken"]')).to_have_count(0)  # a sibling, not up- or downstream
        expect(page.locator('.node[data-key="orders"]')).to_have_count(1)  # two hops up
        page.click("#materialize")
        page.wait_for_url("**/runs/*")
        page.evaluate("window.stillTheSamePage = true")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        assert page.evaluate("window.stillTheSamePage === true")  # live over server-sent events, no reload
        expect(page.locator("#events")).to_contain_text("asset_materialized")
        expect(page.locator("#gantt svg rect.bar")).to_have_count(1)
        page.goto(server + "/assets")
        expect(page.locator("#catalog tr")).to_have_count(4)
        page.fill("#filter", "team:data")
        expect(page.locator("#catalog tr")).to_have_count(1)
        expect(page.locator("#catalog")).to_contain_text("Orders <b>exported</b> from the shop.")
        page.goto(server + "/assets/revenue")
        expect(page.locator('#plots svg[data-metric="rows"]')).to_be_visible()
        expect(page.locator("#checks")).to_contain_text("revenue_positive")
        page.goto(server + "/assets/report?tab=history")  # the history is the asset page's History tab
        page.click("#compare")  # the run above made a second materialization of report
        expect(page.locator("#diff")).to_contain_text("code version")
        expect(page.locator("#diff-rows")).to_contain_text("not recorded")
        page.goto(server + "/runs")
        expect(page.locator("#runs tr")).to_have_count(3)
        expect(page.locator("#page-range")).to_have_text("1\u20133")
        expect(page.locator("#older")).to_be_disabled()
        page.select_option("#status-filter", "failed")
        expect(page.locator("#runs tr")).to_have_count(1)
        page.locator("#runs a").click()
        expect(page.locator("#errors")).to_contain_text("the warehouse is on fire")
    assert errors == []


def test_launch_page_checks_then_backfills(chromium: str, pserver: str) -> None:
    from playwright.sync_api import expect

    with browser_page(chromium) as (page, errors):
        page.goto(pserver + "/launch?select=scaled")
        expect(page.locator("#launch-count")).to_contain_text("1 asset match")
        expect(page.locator("#launch-problems")).to_contain_text("label: Field required")
        expect(page.locator("#launch-go")).to_be_disabled()
        page.fill("#launch-config", '{"scaled": {"label": ')
        expect(page.locator("#launch-problems")).to_contain_text("run config is not valid JSON")
        page.fill("#launch-select", "daily")
        page.fill("#launch-config", "")
        page.fill("#launch-partition", "p2...p4")
        expect(page.locator("#launch-partitions")).to_contain_text("3 selected")
        expect(page.locator("#launch-partitions")).to_contain_text("launches a backfill")
        expect(page.locator("#launch-go")).to_be_enabled()
        page.click("#launch-go")
        page.wait_for_url("**/backfills/*")
        expect(page.locator("#backfill-status")).to_have_text("succeeded", timeout=60_000)
        expect(page.locator("#backfill-runs tr")).to_have_count(3)
        page.goto(pserver + "/backfills")
        expect(page.locator("#backfills tr")).to_have_count(1)
        expect(page.locator("#backfills")).to_contain_text("p2...p4")
        page.goto(pserver + "/assets/daily")
        expect(page.locator("#partition-grid")).to_have_attribute("data-total", "4")
        expect(page.locator("#partition-counts")).to_contain_text("materialized 3")
        expect(page.locator("#partition-counts")).to_contain_text("missing 1")
    assert errors == []


def test_automation_page_switches_and_explains(chromium: str, aserver: str) -> None:
    from playwright.sync_api import expect

    with browser_page(chromium) as (page, errors):
        page.goto(aserver + "/automation")
        row = page.locator('#schedules tr[data-name="nightly"]')
        expect(row).to_contain_text("off")
        row.locator("button").click()
        expect(row.locator(".badge")).to_have_text("on")
        expect(page.locator('#sensors tr[data-name="watcher"]')).to_contain_text("on")
        expect(page.locator('#sensors tr[data-name="watcher"] td[data-col="took"]')).to_contain_text("ms")
        expect(page.locator('#sensors tr[data-name="watcher"] td[data-col="lag"]')).to_contain_text("s")  # ms or s
        expect(page.locator("#alerts")).to_contain_text("No alerts declared")
        page.click('button[data-why="seed"]')
        expect(page.locator("#why")).to_contain_text("requested")
        expect(page.locator("#why ul.tree li").first).to_have_class("true")
        expect(page.locator("#ticks")).to_contain_text("asset_automation")
    assert errors == []


def test_reexecute_from_failure_button(chromium: str, project: Project, server: str) -> None:
    from playwright.sync_api import expect

    fix_broken(project)
    with browser_page(chromium) as (page, errors):
        page.goto(server + "/runs")
        page.select_option("#status-filter", "failed")
        expect(page.locator("#runs tr")).to_have_count(1)
        page.locator("#runs a").click()
        expect(page.locator("#run-status")).to_have_text("failed")
        page.click("#reexecute")
        expect(page.locator("#parent-run")).to_be_visible(timeout=30_000)
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        expect(page.locator("#reexecute")).to_have_count(0)
    assert errors == []


def test_graph_states_update_live_and_staleness_is_explained(chromium: str, project: Project, server: str) -> None:
    from playwright.sync_api import expect

    fix_broken(project)
    with browser_page(chromium) as (page, errors):
        page.goto(server + "/")
        broken = page.locator('.node[data-key="broken"]')
        expect(broken).to_have_class("node st-failed")
        page.evaluate("window.stillTheSamePage = true")
        with project.instance() as instance:
            assert instance.materialize(load_definitions(project.location), "broken").success
        expect(broken).to_have_class("node st-fresh", timeout=15_000)
        assert page.evaluate("window.stillTheSamePage === true")
        project.path.write_text(project.path.read_text().replace('code_version="1"', 'code_version="2"'))
        expect(page.locator('.node[data-key="orders"]')).to_have_class("node st-stale", timeout=15_000)
        page.goto(server + "/assets/orders")
        expect(page.locator("#stale")).to_contain_text("code version changed: materialized with '1'")
    assert errors == []


def test_asset_page_columns_link_and_highlight_lineage(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with serving(frames_project(tmp_path)) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/revenue?tab=lineage")  # columns are in the Lineage and columns tab
        table = page.locator("#columns-table")
        expect(table.locator("tr.column")).to_have_count(3)
        row = table.locator('tr[data-column="revenue"]')
        expect(row).to_contain_text("DOUBLE")
        expect(row.locator('a[data-asset="orders"][data-column="amount"]')).to_have_text("orders.amount")
        row.click()
        expect(row).to_have_class("column selected")
        expect(page.locator("#column-path")).to_contain_text("orders.amount → revenue.revenue → big_spenders.revenue")
        expect(page.locator('.lineage li.on-path[data-key="orders"]')).to_have_count(1)
        expect(page.locator('.lineage li.on-path[data-key="customers"]')).to_have_count(0)
        expect(page.locator("#columns")).to_contain_text("No columns recorded for summary")
        row.locator('a[data-asset="big_spenders"]').click()
        page.wait_for_url("**/assets/big_spenders?column=revenue")
        expect(page.locator('#columns-table tr[data-column="revenue"]')).to_have_class("column selected")
        expect(page.locator("#column-path")).to_contain_text("orders.amount → revenue.revenue → big_spenders.revenue")
    assert errors == []


def test_asset_page_shows_overdue_for_a_fresh_asset(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = write_project(tmp_path, FRESHNESS)
    with project.instance() as instance:
        assert instance.materialize(load_definitions(project.location)).success
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/ticker")
        expect(page.locator("h1 .badge")).to_have_text("fresh")
        expect(page.locator("#stale h3")).to_have_text("Overdue")
        expect(page.locator("#stale")).to_contain_text("overdue: last materialized")
        expect(page.locator("#freshness")).to_contain_text("policy: at most 0:00:00.000001 old")
        page.goto(url + "/assets/daily")
        expect(page.locator("#freshness")).to_contain_text("on time: last materialized")
        expect(page.locator("#stale")).to_have_count(0)
    assert errors == []


UPSTREAM = """
from pathlib import Path

import headwater as hw


@hw.asset
def orders() -> int:
    return int((Path(__file__).parent / "orders.txt").read_text())


@hw.asset
def revenue(orders: int) -> int:
    return orders * 2


@hw.asset
def report(revenue: int) -> str:
    return f"revenue {revenue}"


defs = hw.Definitions(assets=[orders, revenue, report])
"""


def test_stale_asset_links_the_upstream_asset_that_made_it_stale(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = write_project(tmp_path, UPSTREAM)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        (tmp_path / "orders.txt").write_text("1")
        assert instance.materialize(defs).success
        (tmp_path / "orders.txt").write_text("2")  # a new data version of orders only
        assert instance.materialize(defs, "orders").success
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/report")
        expect(page.locator("#stale li")).to_contain_text("upstream 'orders' (2 levels up)")
        expect(page.locator("#stale li a")).to_have_attribute("href", "/assets/orders")
        page.goto(url + "/assets/revenue")
        reason = page.locator("#stale li")
        expect(reason).to_have_count(1)
        expect(reason).to_contain_text("upstream 'orders' (1 level up) has a newer data version")
        link = reason.locator("a")
        expect(link).to_have_text("orders")
        link.click()
        page.wait_for_url("**/assets/orders")
        expect(page.locator("h1")).to_contain_text("orders")
        expect(page.locator("h1 .badge")).to_have_text("fresh")
    assert errors == []


def test_asset_page_shows_typed_metadata_as_what_it_is(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = typed_metadata_project(tmp_path)
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/orders")
        readme = page.locator('dd[data-name="readme"] .markdown')
        expect(readme.locator("h4")).to_have_text("Orders <script>alert(1)</script>")  # text, never HTML
        expect(readme.locator("script")).to_have_count(0)
        expect(readme.locator("p strong")).to_have_text("order")
        expect(readme.locator("p a")).to_have_attribute("href", "https://docs.example.com/orders")
        expect(readme.locator("li")).to_have_text(["paid", "open"])
        link = page.locator('dd[data-name="dashboard"] a')
        expect(link).to_have_attribute("href", "https://bi.example.com/orders")
        expect(link).to_have_text("https://bi.example.com/orders")
        expect(page.locator('dd[data-name="file"] code')).to_have_text("/data/orders.parquet")
        preview = page.locator('dd[data-name="preview"] table')
        expect(preview.locator("th")).to_have_text(["id int", "amount float"])
        expect(preview.locator("tr").nth(2).locator("td")).to_have_text(["2", "3"])
        expect(page.locator('dd[data-name="columns"] table td')).to_have_text(["id", "int", "amount", "float"])
        owners = page.locator('dd[data-name="owners"] pre.json')
        expect(owners).to_contain_text('"on_call": [')
        expect(page.locator('dd[data-name="rows"]')).to_have_text("2")
    assert errors == []


def test_jobs_page_launches_a_job_and_the_run_page_names_it(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with serving(write_project(tmp_path, JOBS)) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/jobs")
        row = page.locator('#jobs tr[data-job="nightly"]')
        expect(row).to_contain_text("+revenue")
        expect(row).to_contain_text("team=finance")
        expect(row).to_contain_text("never")
        row.locator("button[data-launch]").click()
        page.wait_for_url("**/runs/*")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        expect(page.locator("#run-job")).to_have_text("nightly")
        page.goto(url + "/jobs")
        expect(row.locator(".badge")).to_have_text("succeeded")
    assert errors == []


def test_launch_page_picks_a_job_and_jobs_page_takes_a_partition(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with serving(write_project(tmp_path, JOBS)) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/jobs")
        parts = page.locator('#jobs tr[data-job="parts"]')
        parts.locator("button[data-launch]").click()
        expect(page.locator("#launch-note")).to_contain_text("needs a partition")
        page.fill("#job-partition", "p2")
        parts.locator("button[data-launch]").click()
        page.wait_for_url("**/runs/*")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        expect(page.locator("#run-job")).to_have_text("parts")
        page.goto(url + "/launch")
        expect(page.locator("#launch-job option")).to_have_count(4)  # none, nightly, parts, stale
        page.fill("#launch-select", "daily")
        expect(page.locator("#launch-problems")).to_contain_text("needs a partition")
        page.select_option("#launch-job", "nightly")
        expect(page.locator("#launch-select")).to_be_disabled()
        expect(page.locator("#launch-count")).to_contain_text("2 assets match: orders, revenue")
        expect(page.locator("#launch-go")).to_be_enabled()
        page.click("#launch-go")
        page.wait_for_url("**/runs/*")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        expect(page.locator("#run-job")).to_have_text("nightly")
    assert errors == []
