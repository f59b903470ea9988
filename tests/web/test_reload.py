"""Broken code while the server runs: a module project whose file gets a syntax error keeps its
last good version, says where the error is on /api/changes (which every page polls), and reloads
when the file is fixed, with the assets the fixed file adds."""

from __future__ import annotations

import os
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from headwater.instance import InstanceConfig
from headwater.loader import find_location
from headwater.web import create_app

ASSETS = """
import headwater as hw


@hw.asset
def orders() -> int:
    return 1
"""
BROKEN = (
    ASSETS
    + """

@hw.asset
def revenue(orders: int) -> int
    return orders
"""
)
FIXED = (
    ASSETS
    + """

@hw.asset
def revenue(orders: int) -> int:
    return orders
"""
)


class ModuleProject:
    """A package ``<name>`` whose ``__init__`` imports a helper, then the assets, then builds defs: the
    helper stays imported when the assets fail, which is what made the server stop watching them."""

    def __init__(self, folder: Path) -> None:
        self.name = f"reload_{uuid.uuid4().hex[:8]}"
        self.package = folder / self.name
        self.package.mkdir()
        (self.package / "helpers.py").write_text("ROWS = 3\n")
        (self.package / "__init__.py").write_text(
            f"import headwater as hw\n\nfrom {self.name} import helpers\nfrom {self.name} import assets\n\n"
            "defs = hw.Definitions(assets=[getattr(assets, n) for n in ('orders', 'revenue') if hasattr(assets, n)])\n"
        )
        self.assets = self.package / "assets.py"
        self.stamp = 1_700_000_000
        self.write(ASSETS)
        self.location = find_location(module=self.name, project_dir=folder)
        self.config = InstanceConfig(home=str(folder / "home"))

    def write(self, source: str) -> None:
        """Replace the assets module, with an mtime of its own (a later whole second each time)."""
        self.assets.write_text(textwrap.dedent(source).lstrip())
        self.stamp += 10
        os.utime(self.assets, (self.stamp, self.stamp))


@pytest.fixture
def module_project(tmp_path: Path) -> Iterator[ModuleProject]:
    made = ModuleProject(tmp_path)
    yield made
    for name in [n for n in sys.modules if n == made.name or n.startswith(made.name + ".")]:
        del sys.modules[name]
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def _keys(client: TestClient) -> list[str]:
    return sorted(row["key"] for row in client.get("/api/assets").json()["assets"])


def test_a_syntax_error_shows_with_its_line_and_fixing_the_file_reloads(module_project: ModuleProject) -> None:
    app = create_app(location=module_project.location, config=module_project.config, warm=False)
    client = TestClient(app)
    assert _keys(client) == ["orders"]
    assert client.get("/api/changes").json()["load_error"] is None

    module_project.write(BROKEN)
    changes = client.get("/api/changes").json()
    error = changes["load_error"]
    assert f"{module_project.assets}:10" in error and "SyntaxError" in error
    assert _keys(client) == ["orders"]  # the last good version stays
    assert client.get("/api/changes").json()["load_error"] == error

    module_project.write(FIXED)
    assert client.get("/api/changes").json()["load_error"] is None
    assert _keys(client) == ["orders", "revenue"]
    assert client.get("/api/changes").json()["marker"] != changes["marker"]


def test_open_pages_show_the_error_as_it_happens_and_recover(module_project: ModuleProject, chromium: str) -> None:
    from playwright.sync_api import expect

    from .test_browser import browser_page, serving

    with serving(module_project) as url, browser_page(chromium) as (page, errors):  # type: ignore[arg-type]
        page.goto(url + "/assets")
        expect(page.locator("#catalog tr")).to_have_count(1)
        banner = page.locator("#load-error")
        expect(banner).to_be_hidden()
        page.evaluate("window.stillTheSamePage = true")
        module_project.write(BROKEN)
        expect(banner).to_contain_text(f"{module_project.assets}:10", timeout=20_000)
        expect(banner).to_contain_text("SyntaxError")
        assert page.evaluate("window.stillTheSamePage === true")  # shown without reloading the page
        module_project.write(FIXED)
        expect(page.locator("#catalog tr")).to_have_count(2, timeout=20_000)
        expect(banner).to_be_hidden()
        expect(page.locator("#catalog")).to_contain_text("revenue")
    assert errors == []


def test_a_project_broken_from_the_start_loads_once_fixed(module_project: ModuleProject) -> None:
    module_project.write(BROKEN)
    client = TestClient(create_app(location=module_project.location, config=module_project.config, warm=False))
    answer = client.get("/api/assets")
    assert answer.status_code == 503
    assert f"{module_project.assets}:10" in answer.json()["error"]
    changes = client.get("/api/changes").json()
    assert changes["version"] == 0 and f"{module_project.assets}:10" in changes["load_error"]
    module_project.write(FIXED)
    assert _keys(client) == ["orders", "revenue"]
    assert client.get("/api/changes").json()["load_error"] is None
