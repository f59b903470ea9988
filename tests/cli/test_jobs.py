"""``headwater jobs``: each job with its selection, asset count, tags and latest run, as text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import flat, run, write

JOBS = """
import headwater as hw


@hw.asset
def orders() -> list[int]:
    return [1, 2, 3]


@hw.asset
def revenue(orders: list[int]) -> int:
    return sum(orders)


defs = hw.Definitions(
    assets=[orders, revenue],
    jobs=[hw.Job("nightly", select="+revenue", tags={"team": "finance"}), hw.Job("only_orders", select="orders")],
)
"""


def test_jobs_lists_selection_tags_and_latest_run(tmp_path: Path, home: Path) -> None:
    project = str(write(tmp_path, "jobs.py", JOBS))
    text = flat(run("jobs", "-f", project, ok=True).stdout)
    assert "nightly │ +revenue │ 2 │ team=finance │ never" in text
    assert "only_orders │ orders │ 1 │ │ never" in text
    run("materialize", "-f", project, "--job", "nightly", ok=True)
    rows = json.loads(run("jobs", "-f", project, "--json", ok=True).stdout)
    assert [(r["name"], r["assets"], r["tags"]) for r in rows] == [
        ("nightly", 2, {"team": "finance"}),
        ("only_orders", 1, {}),
    ]
    latest = rows[0]["latest_run"]
    assert latest["status"] == "succeeded" and latest["tags"]["headwater/job"] == "nightly"
    assert rows[1]["latest_run"] is None
    text = flat(run("jobs", "-f", project, ok=True).stdout)
    assert f"nightly │ +revenue │ 2 │ team=finance │ {latest['run_id'][:8]} │ succeeded" in text


def test_jobs_says_when_there_are_none(project: Path) -> None:
    text = flat(run("jobs", "-f", str(project), ok=True).stdout)
    assert 'no jobs in these definitions: add Definitions(jobs=[hw.Job("name", select=...)])' in text
