"""Users, roles and sign-in in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Signing in and out, what each role sees and may do on the asset and automation pages (hidden
buttons, and the API's 403 for a request made from the page all the same), and the admins' audit
page with its filters. No timings are asserted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from .conftest import PASSWORD, Project, add_role_users
from .test_browser import browser_page, serving

if TYPE_CHECKING:
    from playwright.sync_api import Page


POST = """async ([path, body]) => {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-Headwater-CSRF": HW.cookie("headwater_csrf")},
    body: JSON.stringify(body),
  });
  return {status: response.status, body: await response.json()};
}"""
"""A POST from the page as common.js's HW.api makes it: the session's CSRF token from its cookie."""

GET = """async (path) => {
  const response = await fetch(path, {credentials: "same-origin"});
  return {status: response.status, body: await response.json()};
}"""


@pytest.fixture
def users(project: Project) -> Project:
    """The example project (two runs) with its users."""
    return add_role_users(project)


@pytest.fixture
def automated_users(automated: Project) -> Project:
    """The project with a schedule and a sensor, ticked once, with its users."""
    return add_role_users(automated)


def sign_in(page: Page, url: str, name: str, path: str = "/") -> None:
    """Sign in as ``name`` on the login page and land on ``path`` (any earlier session is replaced)."""
    from playwright.sync_api import expect

    page.goto(f"{url}/login?next={quote(path, safe='')}")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click("#login-go")
    page.wait_for_url(url + path)
    expect(page.locator("#whoami")).to_contain_text(f"{name} (")  # HW.me has run: body[data-can] is set


def post(page: Page, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST ``body`` from the page; the status and JSON answer."""
    answer = page.evaluate(POST, [path, body])
    return answer["status"], answer["body"]


def get(page: Page, path: str) -> tuple[int, dict[str, Any]]:
    """GET ``path`` from the page; the status and JSON answer."""
    answer = page.evaluate(GET, path)
    return answer["status"], answer["body"]


def test_sign_in_asks_for_the_password_lands_on_the_page_and_signs_out(chromium: str, users: Project) -> None:
    from playwright.sync_api import expect

    with serving(users) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/assets/orders?tab=history")
        page.wait_for_url(url + "/login?next=%2Fassets%2Forders%3Ftab%3Dhistory")
        expect(page.locator("h1")).to_have_text("Sign in")
        expect(page.locator("#whoami")).to_have_count(0)
        page.fill("#login-name", "launcher")
        page.fill("#login-password", "not the password")
        page.click("#login-go")
        status = page.locator("#login-status")
        expect(status).to_have_text(
            "wrong user name or password: check both (an admin can reset it with `headwater users set-password`)"
        )
        expect(status).to_have_class("error")
        assert page.url == url + "/login?next=%2Fassets%2Forders%3Ftab%3Dhistory"
        page.fill("#login-password", PASSWORD)
        page.click("#login-go")
        page.wait_for_url(url + "/assets/orders?tab=history")
        expect(page.locator("h1")).to_contain_text("orders")
        expect(page.locator("#whoami")).to_have_text("launcher (launcher)")
        expect(page.locator("#tab-history")).to_have_attribute("aria-selected", "true")
        page.click("#logout")
        page.wait_for_url(url + "/login")
        expect(page.locator("#login-name")).to_be_visible()
        expect(page.locator("#whoami")).to_have_count(0)
        assert get(page, "/api/me")[1]["user"] is None  # the session ended on the server too
        page.goto(url + "/assets/orders")
        page.wait_for_url(url + "/login?next=%2Fassets%2Forders")
        sign_in(page, url, "mart", "/runs")
        expect(page.locator("#whoami")).to_have_text("mart (launcher of group:mart)")
    assert errors == []


def test_each_role_on_the_asset_page_sees_and_may_do_what_it_is_allowed(chromium: str, users: Project) -> None:
    from playwright.sync_api import expect

    with serving(users) as url, browser_page(chromium) as (page, errors):
        materialize = page.locator("#materialize")
        sign_in(page, url, "viewer", "/assets/orders")
        expect(page.locator("h1")).to_contain_text("orders")
        expect(page.locator("body")).to_have_attribute("data-can", "")
        expect(materialize).to_have_count(1)
        expect(materialize).to_be_hidden()
        expect(page.locator('.top nav a[href="/launch"]')).to_be_hidden()
        expect(page.locator("#nav-audit")).to_have_count(0)
        status, answer = post(page, "/api/launch", {"select": "orders"})
        assert status == 403
        assert answer["error"] == (
            "user 'viewer' (viewer) may not launch runs: that needs the launcher role; ask an admin to run "
            "`headwater users set-role viewer launcher`"
        )

        sign_in(page, url, "launcher", "/assets/orders")
        expect(page.locator("#whoami")).to_have_text("launcher (launcher)")
        expect(page.locator("#nav-audit")).to_have_count(0)
        expect(materialize).to_be_visible()
        materialize.click()
        page.wait_for_url(url + "/runs/*")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)

        sign_in(page, url, "mart", "/assets/orders")  # orders is in group raw, outside the scope
        expect(materialize).to_be_visible()  # the page does not know the scope; the API refuses
        materialize.click()
        expect(page.locator("#asset-status")).to_have_text(
            "user 'mart' (launcher of group:mart) may not launch orders: outside group:mart; narrow the selection "
            "to assets in it"
        )
        expect(page.locator("#asset-status")).to_have_class("error")
        assert page.url == url + "/assets/orders"
        status, answer = post(page, "/api/launch", {"select": "orders revenue"})
        assert status == 403 and "may not launch orders: outside group:mart" in answer["error"]
        page.goto(url + "/assets/revenue")  # in group mart: launched
        materialize.click()
        page.wait_for_url(url + "/runs/*")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
    assert errors == []


def test_only_an_editor_switches_schedules_and_sensors(chromium: str, automated_users: Project) -> None:
    from playwright.sync_api import expect

    with serving(automated_users) as url, browser_page(chromium) as (page, errors):
        nightly = page.locator('#schedules tr[data-name="nightly"]')
        switches = page.locator("button[data-toggle]")
        sign_in(page, url, "launcher", "/automation")
        expect(nightly.locator(".badge")).to_have_text("off")
        expect(switches).to_have_count(3)  # nightly, watcher and the asset conditions
        for index in range(3):
            expect(switches.nth(index)).to_be_hidden()

        sign_in(page, url, "editor", "/automation")
        expect(nightly.locator(".badge")).to_have_text("off")
        for index in range(3):
            expect(switches.nth(index)).to_be_visible()
        nightly.locator("button[data-toggle]").click()
        expect(nightly.locator(".badge")).to_have_text("on")
        expect(nightly.locator("button[data-toggle]")).to_have_text("Turn off")
        page.reload()
        expect(nightly.locator(".badge")).to_have_text("on")  # stored, not only drawn
        watcher = page.locator('#sensors tr[data-name="watcher"]')
        watcher.locator("button[data-toggle]").click()
        expect(watcher.locator(".badge")).to_have_text("off")
    assert errors == []


def test_a_launcher_is_refused_the_switch_the_automation_page_posts(chromium: str, automated_users: Project) -> None:
    from playwright.sync_api import expect

    with serving(automated_users) as url, browser_page(chromium) as (page, errors):
        sign_in(page, url, "launcher", "/automation")
        expect(page.locator('#schedules tr[data-name="nightly"] .badge')).to_have_text("off")
        status, answer = post(page, "/api/automation/instigators/nightly", {"enabled": True})
        assert errors == []
        assert status == 403, answer
        assert "may not switch schedules and sensors: that needs the editor role" in answer["error"]


def test_the_admin_reads_the_audit_page_filtered_and_others_are_refused(chromium: str, users: Project) -> None:
    from playwright.sync_api import expect

    with serving(users) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/login")
        page.fill("#login-name", "launcher")
        page.fill("#login-password", "a guess")
        page.click("#login-go")
        expect(page.locator("#login-status")).to_have_class("error")
        sign_in(page, url, "launcher", "/assets/orders")
        page.click("#materialize")
        page.wait_for_url(url + "/runs/*")
        run_id = page.url.rsplit("/", 1)[1]
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)

        page.goto(url + "/audit")  # a page, so it opens, but its log is refused
        expect(page.locator("#app pre.error")).to_have_text(
            "user 'launcher' (launcher) may not read the audit log: that needs the admin role; ask an admin to run "
            "`headwater users set-role launcher admin`"
        )
        expect(page.locator("#audit-rows tr")).to_have_count(0)
        expect(page.locator("#nav-audit")).to_have_count(0)
        assert get(page, "/api/audit")[0] == 403

        sign_in(page, url, "admin", "/")
        audit = page.locator("#nav-audit")
        expect(audit).to_be_visible()
        audit.click()
        page.wait_for_url(url + "/audit")
        rows = page.locator("#audit-rows tr")
        actors = page.locator("#audit-rows td.audit-actor")
        expect(actors).to_have_text(["admin", "launcher", "launcher", "launcher"])  # newest first
        expect(rows).to_have_count(4)
        assert [rows.nth(i).get_attribute("data-action") for i in range(4)] == [
            "login",
            "launch",
            "login",
            "login_failed",
        ]
        launch = page.locator('#audit-rows tr[data-action="launch"]')
        expect(launch).to_contain_text(run_id)
        expect(launch).to_contain_text("select=orders")
        expect(page.locator('#audit-rows tr[data-action="login_failed"]')).to_contain_text("reason=wrong password")

        page.fill("#audit-user", "launcher")
        page.click("#audit-apply")
        page.wait_for_url(url + "/audit?user=launcher")
        expect(actors).to_have_text(["launcher", "launcher", "launcher"])
        page.select_option("#audit-action", "launch")  # both filters now
        page.wait_for_url(url + "/audit?user=launcher&action=launch")
        expect(rows).to_have_count(1)
        expect(page.locator('#audit-rows tr[data-action="launch"]')).to_have_count(1)
        page.fill("#audit-user", "")
        page.select_option("#audit-action", "login")
        page.wait_for_url(url + "/audit?action=login")
        expect(actors).to_have_text(["admin", "launcher"])
        expect(page.locator('#audit-rows tr[data-action="login"]')).to_have_count(2)
        page.fill("#audit-user", "nobody")
        page.click("#audit-apply")
        expect(rows).to_have_text(["No entries match."])
        page.reload()  # the filters are kept in the address
        expect(page.locator("#audit-user")).to_have_value("nobody")
        expect(page.locator("#audit-action")).to_have_value("login")
        expect(rows).to_have_text(["No entries match."])
    assert errors == []
