"""Values held back by their checks in the web UI: /api/staged lists them and publishes one anyway
or discards it (POST with the CSRF token), and the asset page shows the notice with both buttons
in real headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

import headwater as hw
from headwater.loader import load_definitions
from headwater.web import create_app

from .conftest import Project, write_project
from .test_browser import browser_page, serving

HELD = """
import os

import headwater as hw


@hw.asset(publish="after_checks")
def orders() -> int:
    return int(os.environ.get("ORDERS", "3"))


@hw.check(asset="orders", blocking=True)
def not_negative(orders: int) -> hw.CheckResult:
    return hw.CheckResult(passed=orders >= 0)


defs = hw.Definitions(assets=[orders], checks=[not_negative])
"""


def _held_project(tmp_path: Path) -> Project:
    project = write_project(tmp_path, HELD)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        assert instance.materialize(defs).success
        os.environ["ORDERS"] = "-4"
        try:
            assert not instance.materialize(defs).success
        finally:
            del os.environ["ORDERS"]
    return project


def _stored(project: Project) -> int:
    with project.instance() as instance:
        value: int = instance.io_manager.load(hw.AssetKey("orders"), None)
        return value


def test_the_api_lists_publishes_and_discards_held_values(tmp_path: Path) -> None:
    project = _held_project(tmp_path)
    app = create_app(location=project.location, config=project.config, warm=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        listed = client.get("/api/staged", params={"key": "orders"}).json()["staged"]
        assert [(h["asset_key"], h["failed_checks"]) for h in listed] == [("orders", ["not_negative"])]
        csrf = client.get("/").cookies.get("headwater_csrf") or client.cookies.get("headwater_csrf")
        refused = client.post("/api/staged/publish", json={"key": "orders"})
        assert refused.status_code == 403  # no CSRF token: nothing changes
        assert _stored(project) == 3
        done = client.post("/api/staged/publish", json={"key": "orders"}, headers={"X-Headwater-CSRF": csrf or ""})
        assert done.status_code == 200, done.text
        assert done.json()["settled"] == "published"
        assert _stored(project) == -4
        again = client.post("/api/staged/discard", json={"key": "orders"}, headers={"X-Headwater-CSRF": csrf or ""})
        assert again.status_code == 400
        assert "has no value held back" in again.json()["error"]
        assert client.get("/api/staged").json() == {"staged": []}


def test_the_asset_page_offers_publish_anyway_and_discard(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = _held_project(tmp_path)
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/orders")
        notice = page.locator("#held-back")
        expect(notice).to_contain_text("new value held back: check not_negative failed")
        assert _stored(project) == 3
        notice.locator("button.discard").click()
        expect(notice.locator("p")).to_contain_text("discarded")
        expect(page.locator("#held-back")).to_have_count(0, timeout=10_000)
    assert _stored(project) == 3
    with project.instance() as instance:
        assert instance.staged(load_definitions(project.location)) == []
    assert errors == []
