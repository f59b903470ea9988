"""The asset graph page in real headless Chromium: groups laid out as blocks, edges drawn above the
group blocks with arrowheads, and a deep graph that fits, drawn group by group when zoomed out.

No timings are asserted (bench/web.py measures them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .conftest import write_project
from .test_browser import browser_page, serving

if TYPE_CHECKING:
    from playwright.sync_api import Page

BLOCKS = """
import headwater as hw


@hw.asset(group="raw")
def orders() -> int:
    return 1


@hw.asset(group="raw")
def customers() -> int:
    return 2


@hw.asset(group="staging")
def stg_orders(orders: int) -> int:
    return orders


@hw.asset(group="staging")
def stg_orders_clean(stg_orders: int) -> int:
    return stg_orders


@hw.asset(group="staging")
def stg_customers(customers: int) -> int:
    return customers


@hw.asset(group="mart")
def revenue(stg_orders_clean: int, stg_customers: int) -> int:
    return stg_orders_clean + stg_customers


@hw.asset(group="ops")
def audit(orders: int) -> int:
    return orders


defs = hw.Definitions(assets=[orders, customers, stg_orders, stg_orders_clean, stg_customers, revenue, audit])
"""

DEEP = """
import headwater as hw

GROUPS, STACK, DEPTH, WIDTH = 24, 4, 30, 2


def _root() -> int:
    return 1


def _one(p0: int) -> int:
    return p0


def _two(p0: int, p1: int) -> int:
    return p0 + p1


def name(g: int, d: int, w: int) -> str:
    return f"g{g:02d}_{d:02d}_{w}"


specs = []
for g in range(GROUPS):
    for d in range(DEPTH):
        for w in range(WIDTH):
            if d:
                ins = {"p0": name(g, d - 1, w), "p1": name(g, d - 1, (w + 1) % WIDTH)}
            elif g >= STACK:
                ins = {"p0": name(g - STACK, DEPTH - 1, w)}
                if g % STACK < STACK - 1:
                    ins["p1"] = name(g - STACK + 1, DEPTH - 1, w)
            else:
                ins = {}
            body = _two if len(ins) == 2 else _one if ins else _root
            specs.append(hw.asset(name=name(g, d, w), group=f"g{g:02d}", ins=ins)(body))

defs = hw.Definitions(assets=specs)
"""
"""24 groups of 60 assets (30 layers of 2) whose groups feed each other in a grid of 6 columns of 4:
group g reads groups g-4 and g-3, two edges from each."""


def _boxes(page: Page, selector: str) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = page.evaluate(
        """(selector) => Object.fromEntries([...document.querySelectorAll(selector)].map((r) => {
            const b = r.getBoundingClientRect();
            return [r.dataset.group, { x: b.x, y: b.y, w: b.width, h: b.height }];
        }))""",
        selector,
    )
    return found


def test_groups_are_blocks_and_edges_are_drawn_above_them_with_arrowheads(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with serving(write_project(tmp_path, BLOCKS)) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/")
        expect(page.locator('.node[data-key="revenue"]')).to_be_visible()
        bands = _boxes(page, "rect.band")
        assert set(bands) == {"raw", "staging", "mart", "ops"}
        # Columns of blocks raw -> staging -> mart, not a staircase: ops (fed by raw only) stands in
        # staging's column, the two stacked, and mart is level with raw.
        assert bands["raw"]["y"] == bands["mart"]["y"] == min(b["y"] for b in bands.values())
        assert bands["raw"]["x"] + bands["raw"]["w"] < bands["staging"]["x"]
        assert bands["staging"]["x"] + bands["staging"]["w"] < bands["mart"]["x"]
        assert bands["ops"]["x"] == bands["staging"]["x"]
        upper, lower = sorted((bands["ops"], bands["staging"]), key=lambda b: b["y"])
        assert upper["y"] == bands["raw"]["y"] and lower["y"] >= upper["y"] + upper["h"]
        edges = page.locator("path.edge")
        expect(edges).to_have_count(6)
        # What is under the middle of each edge is that edge, never a group's background.
        hits: list[dict[str, Any]] = page.evaluate(
            """() => [...document.querySelectorAll("path.edge")].map((p) => {
                const m = p.getPointAtLength(p.getTotalLength() / 2).matrixTransform(p.getScreenCTM());
                const top = document.elementFromPoint(m.x, m.y);
                return { hit: top === p, top: top && top.getAttribute("class"), marker: p.getAttribute("marker-end") };
            })"""
        )
        assert all(h["hit"] for h in hits), hits
        assert {h["marker"] for h in hits} == {"url(#arrow)"}
        expect(page.locator("svg#graph marker#arrow path")).to_have_count(1)
    assert errors == []


def test_a_deep_graph_fits_drawn_as_groups_with_counted_edges(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with serving(write_project(tmp_path, DEEP)) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/")
        # 1,440 assets: groups start collapsed, as boxes joined by one arrow per pair of groups.
        expect(page.locator(".folded")).to_have_count(24)
        expect(page.locator(".node")).to_have_count(0)
        label = page.locator('.agg-count[data-from="g00"][data-to="g04"]')
        expect(label).to_have_text("2")
        page.click("#expand-all")  # expands, then fits: 6 columns of blocks 30 layers wide
        svg = page.locator("svg#graph")
        expect(svg).to_have_attribute("data-lod", "groups")
        expect(page.locator(".lod-group")).to_have_count(24)
        expect(page.locator(".node")).to_have_count(0)
        # Each arrow counts its edges; the count is written where the arrow is long enough to read it.
        expect(page.locator('path.edge.agg[data-from="g00"][data-to="g04"]')).to_have_attribute("data-count", "2")
        expect(page.locator("path.edge.agg")).to_have_count(20 + 15)  # g-4 into 20 groups, g-3 into 15
        stage = svg.bounding_box()
        assert stage is not None
        for box in _boxes(page, ".lod-group").values():  # the whole graph is in view
            assert stage["x"] <= box["x"] and box["x"] + box["w"] <= stage["x"] + stage["width"] + 0.5
            assert stage["y"] <= box["y"] and box["y"] + box["h"] <= stage["y"] + stage["height"] + 0.5
        page.locator('.lod-group[data-group="g05"]').click()  # zooms in on that group: its assets
        expect(svg).to_have_attribute("data-lod", "nodes")
        expect(page.locator('.node[data-key="g05_00_0"]')).to_be_visible()
        page.click("#fit")
        expect(svg).to_have_attribute("data-lod", "groups")
    assert errors == []
