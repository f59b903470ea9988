"""``headwater assets list|show|lineage``."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import flat, invoke, run, write


def test_list_shows_attributes_and_last_materialization(project: Path) -> None:
    text = flat(run("assets", "list", "-f", str(project), ok=True).stdout)
    assert "orders │ raw │ python │ team:data │ 0 │ never" in text
    assert "5 of 5 assets" in text
    run("materialize", "-f", str(project), "--select", "orders", ok=True)
    rows = json.loads(run("assets", "list", "-f", str(project), "--json", ok=True).stdout)
    by_key = {row["key"]: row for row in rows}
    assert by_key["orders"]["last_materialized"] is not None
    assert by_key["orders"]["owners"] == ["team:data"]
    assert by_key["revenue"]["last_materialized"] is None
    assert by_key["revenue"]["upstream"] == 1
    text = flat(run("assets", "list", "-f", str(project), ok=True).stdout)
    assert by_key["orders"]["run_id"][:8] in text


def test_list_with_selection(project: Path) -> None:
    rows = json.loads(run("assets", "list", "-f", str(project), "--select", "group:split", "--json", ok=True).stdout)
    assert [row["key"] for row in rows] == ["left", "right"]


def test_show_text_and_json(project: Path) -> None:
    run("materialize", "-f", str(project), "--select", "+revenue", ok=True)
    text = flat(run("assets", "show", "revenue", "-f", str(project), ok=True).stdout)
    assert "parents orders" in text
    assert "children model" in text
    assert "checks revenue_positive" in text
    assert "rows=3" in text
    data = json.loads(run("assets", "show", "orders", "-f", str(project), "--json", ok=True).stdout)
    assert data["description"] == "Orders exported from the shop."
    assert data["tags"] == {"tier": "bronze"}
    assert data["code_version"] == "1"
    assert data["children"] == ["left", "revenue", "right"]
    assert data["io_manager"] == "io_manager"
    assert len(data["materializations"]) == 1


def test_show_never_materialized(project: Path) -> None:
    assert "never materialized" in run("assets", "show", "model", "-f", str(project), ok=True).stdout


def test_show_unknown_key_suggests(project: Path) -> None:
    result = invoke(["assets", "show", "modle", "-f", str(project)])
    assert result.exit_code == 2
    assert "error: no asset 'modle' (did you mean 'model'?)" in result.stderr


def test_lineage_levels_text_and_json(project: Path) -> None:
    text = flat(run("assets", "lineage", "revenue", "-f", str(project), ok=True).stdout)
    assert "upstream level 1: orders" in text
    assert "downstream level 1: model" in text
    data = json.loads(run("assets", "lineage", "model", "-f", str(project), "--json", ok=True).stdout)
    assert data == {"key": "model", "upstream": [["revenue"], ["orders"]], "downstream": []}
    data = json.loads(run("assets", "lineage", "orders", "-f", str(project), "--down", "1", "--json").stdout)
    assert data["downstream"] == [["left", "revenue", "right"]]


def test_lineage_of_a_very_deep_graph(tmp_path: Path, home: Path) -> None:
    chain = write(
        tmp_path,
        "chain.py",
        """
        import headwater as hw

        def make(i):
            @hw.asset(name=f"n{i}", deps=[f"n{i - 1}"] if i else None)
            def node() -> int:
                return i
            return node

        defs = hw.Definitions(assets=[make(i) for i in range(10_000)])
        """,
    )
    data = json.loads(run("assets", "lineage", "n5000", "-f", str(chain), "--json", ok=True).stdout)
    assert len(data["upstream"]) == 5000 and data["upstream"][-1] == ["n0"]
    assert len(data["downstream"]) == 4999 and data["downstream"][0] == ["n5001"]
    text = run("assets", "lineage", "n9999", "-f", str(chain), "--down", "0", ok=True).stdout
    assert "upstream level 9999: n0" in text
