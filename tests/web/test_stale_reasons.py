"""The asset page's "why is this stale?" data: the reason kinds that name an upstream asset come from
``ReasonKind``, and the page's script compares reasons only with kinds that enum has."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from headwater.loader import load_definitions
from headwater.state.status import UPSTREAM_REASON_KINDS, ReasonKind

from .conftest import make_app, write_project

STATIC = Path(__file__).parents[2] / "src" / "headwater" / "web" / "static"
REASON_SCRIPTS = ("asset.js", "graph.js")
"""The scripts that show staleness reasons."""

_KIND_LITERAL = re.compile(r"""\.kind\s*[!=]==?\s*["']([^"']*)["']|["']([^"']*)["']\s*[!=]==?\s*\w+\.kind\b""")

CHAIN = """
from pathlib import Path

import headwater as hw


@hw.asset
def orders() -> int:
    return int((Path(__file__).parent / "orders.txt").read_text())


@hw.asset
def revenue(orders: int) -> int:
    return orders * 2


defs = hw.Definitions(assets=[orders, revenue])
"""


def kinds_compared(source: str) -> list[str]:
    """The string literals a script compares a ``.kind`` with."""
    return [a or b for a, b in _KIND_LITERAL.findall(source)]


def test_the_pages_compare_reasons_only_with_kinds_the_enum_has() -> None:
    known = {kind.value for kind in ReasonKind}
    found = {name: kinds_compared((STATIC / name).read_text()) for name in REASON_SCRIPTS}
    assert "overdue" in found["asset.js"]  # the pattern finds the comparisons that are there
    unknown = [(name, kind) for name, kinds in found.items() for kind in kinds if kind not in known]
    assert unknown == []
    assert kinds_compared('r.kind === "upstream" ? link : ""') == ["upstream"]  # the old bug is caught


def test_the_asset_api_lists_the_upstream_reason_kinds(tmp_path: Path) -> None:
    project = write_project(tmp_path, CHAIN)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        (tmp_path / "orders.txt").write_text("1")
        assert instance.materialize(defs).success
        (tmp_path / "orders.txt").write_text("2")
        assert instance.materialize(defs, "orders").success
    with TestClient(make_app(project)) as client:
        revenue = client.get("/api/assets/revenue").json()
    assert revenue["upstream_reason_kinds"] == sorted(k.value for k in UPSTREAM_REASON_KINDS)
    [reason] = revenue["stale_reasons"]
    assert reason["kind"] == "upstream_changed" and reason["asset"] == "orders"
    assert reason["kind"] in revenue["upstream_reason_kinds"]
