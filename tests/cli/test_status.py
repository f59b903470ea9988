"""``headwater assets status|why|history``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import flat, invoke, run, write

CHAIN = """
import os

import headwater as hw


@hw.asset(code_version=os.environ.get("RAW_CODE", "1"))
def raw() -> list[int]:
    return list(range(int(os.environ.get("RAW_ROWS", "3"))))


@hw.asset
def clean(raw: list[int]) -> hw.Output[list[int]]:
    return hw.Output(raw, metadata={"rows": len(raw), "note": "text is not plotted"})


@hw.asset
def report(clean: list[int]) -> int:
    return len(clean)


defs = hw.Definitions(assets=[raw, clean, report])
"""


def test_status_text_and_json(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = write(tmp_path, "chain.py", CHAIN)
    text = flat(run("assets", "status", "-f", str(chain), ok=True).stdout)
    assert "raw │ missing │ - │ - │ never │ never materialized" in text
    assert "3 assets: 0 fresh, 0 stale, 3 missing" in text
    run("materialize", "-f", str(chain), ok=True)
    data = json.loads(run("assets", "status", "-f", str(chain), "--json", ok=True).stdout)
    assert data["counts"] == {"fresh": 3, "stale": 0, "missing": 0, "overdue": 0}
    assert all(row["reasons"] == [] for row in data["assets"])


def test_status_names_the_upstream_change_and_selects_stale(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = write(tmp_path, "chain.py", CHAIN)
    run("materialize", "-f", str(chain), ok=True)
    monkeypatch.setenv("RAW_ROWS", "5")
    run("materialize", "-f", str(chain), "--select", "raw", ok=True)
    bumped = write(tmp_path, "bumped.py", CHAIN.replace('os.environ.get("RAW_CODE", "1")', '"2"'))
    text = flat(run("assets", "status", "-f", str(bumped), "--select", "status:stale", ok=True).stdout)
    assert "raw │ stale" in text
    assert "code version changed: materialized with '1', now '2'" in text
    assert "upstream 'raw' (1 level up) has a newer data version (" in text
    assert "upstream 'raw' (2 levels up) has a newer data version than the one used" in text
    assert "3 assets: 0 fresh, 3 stale, 0 missing" in text


def test_why_follows_consumed_versions(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = write(tmp_path, "chain.py", CHAIN)
    run("materialize", "-f", str(chain), ok=True)
    data = json.loads(run("assets", "why", "report", "-f", str(chain), "--json", ok=True).stdout)
    assert data["status"] == "fresh"
    (clean,) = data["inputs"]
    assert clean["key"] == "clean" and clean["current"] is True
    assert clean["consumed_version"] == clean["data_version"]
    (raw,) = clean["inputs"]
    assert raw["key"] == "raw" and raw["run_id"] == data["run_id"] and raw["code_version"] == "1"
    monkeypatch.setenv("RAW_ROWS", "4")
    run("materialize", "-f", str(chain), "--select", "raw", ok=True)
    shallow = json.loads(run("assets", "why", "report", "-f", str(chain), "--depth", "1", "--json", ok=True).stdout)
    assert shallow["inputs"][0]["truncated"] is True
    text = flat(run("assets", "why", "clean", "-f", str(chain), ok=True).stdout)
    assert "since replaced by version" in text
    assert "status: stale" in text
    assert "upstream 'raw' (1 level up) has a newer data version" in text


def test_why_unknown_key_suggests(tmp_path: Path, home: Path) -> None:
    chain = write(tmp_path, "chain.py", CHAIN)
    result = invoke(["assets", "why", "reprot", "-f", str(chain)])
    assert result.exit_code == 2
    assert "no asset 'reprot' (did you mean 'report'?)" in flat(result.stderr)


def test_history_of_numeric_metadata(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = write(tmp_path, "chain.py", CHAIN)
    for rows in ("2", "7"):
        monkeypatch.setenv("RAW_ROWS", rows)
        run("materialize", "-f", str(chain), ok=True)
    assert "numeric metadata of clean: rows" in flat(
        run("assets", "history", "clean", "-f", str(chain), ok=True).stdout
    )
    data = json.loads(
        run("assets", "history", "clean", "-f", str(chain), "--metadata", "rows", "--json", ok=True).stdout
    )
    assert [p["value"] for p in data["points"]] == [2, 7]
    result = invoke(["assets", "history", "clean", "-f", str(chain), "--metadata", "rowz"])
    assert result.exit_code == 2
    assert (
        "error: asset 'clean' has no numeric metadata 'rowz' in its last 100 materializations "
        "(did you mean 'rows'?); recorded: rows"
    ) in flat(result.stderr)


FRESHNESS = """
from datetime import timedelta

import headwater as hw


@hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=1)))
def hourly() -> int:
    return 1


defs = hw.Definitions(assets=[hourly])
"""


def test_status_shows_freshness(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "fresh.py", FRESHNESS)
    text = flat(run("assets", "status", "-f", str(project), ok=True).stdout)
    assert "hourly │ missing │ overdue" in text and "1 overdue" in text
    run("materialize", "-f", str(project), ok=True)
    data = json.loads(run("assets", "status", "-f", str(project), "--json", ok=True).stdout)
    (row,) = data["assets"]
    assert row["freshness"]["status"] == "on_time"
    assert row["freshness"]["policy"] == "at most 1:00:00 old"
    assert data["counts"]["overdue"] == 0


def test_diff(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = write(tmp_path, "chain.py", CHAIN)
    run("materialize", "-f", str(chain), "--select", "+clean", ok=True)
    monkeypatch.setenv("RAW_ROWS", "6")
    second = run("materialize", "-f", str(chain), "--select", "+clean", "--json", ok=True).stdout
    text = flat(run("assets", "diff", "clean", "-f", str(chain), ok=True).stdout)
    assert "data version" in text and "rows │ 3 │ 6 │ +3 (+100%)" in text
    run_b = json.loads(second)["run_id"]
    data = json.loads(run("assets", "diff", "clean", run_b[:8], "-f", str(chain), "--json", ok=True).stdout)
    assert data["b"]["run_id"] == run_b
    result = invoke(["assets", "diff", "clean", "a", "b", "c", "-f", str(chain)])
    assert result.exit_code == 2
    assert "assets diff takes at most two runs, got 3" in flat(result.stderr)


def test_status_selects_overdue_and_gives_the_reason(tmp_path: Path, home: Path) -> None:
    import time

    import headwater as hw
    from headwater.events import Event, EventType, RunRecord

    project = write(tmp_path, "fresh.py", FRESHNESS)
    with hw.Instance.get() as instance:
        run_record = RunRecord(run_id="late-run", selection="hourly", asset_keys=(hw.AssetKey("hourly"),))
        instance.storage.add_run(run_record)
        made = time.time() - 5 * 3600
        instance.storage.store_events(
            [
                Event(
                    run_id="late-run",
                    type=EventType.ASSET_MATERIALIZED,
                    timestamp=made,
                    step_key="hourly",
                    asset_key=hw.AssetKey("hourly"),
                    data={"data_version": "v1"},
                ),
                Event(run_id="late-run", type=EventType.RUN_SUCCEEDED, timestamp=made),
            ]
        )
    text = flat(run("assets", "status", "-f", str(project), "--select", "status:overdue", ok=True).stdout)
    assert "hourly │ fresh │ overdue" in text
    assert "overdue: last materialized 5:00:0" in text and "(late by 4:00:0" in text
    assert "1 assets: 1 fresh, 0 stale, 0 missing; 1 overdue" in text
    on_time = run("assets", "status", "-f", str(project), "--json", "--select", "status:on_time", ok=True)
    assert json.loads(on_time.stdout)["assets"] == []
    (row,) = json.loads(run("assets", "status", "-f", str(project), "--json", ok=True).stdout)["assets"]
    assert row["reasons"][-1]["kind"] == "overdue"
    assert row["freshness"]["late_by"] > 4 * 3600 - 60


PARTITIONED = """
import os

import headwater as hw

daily = hw.StaticPartitions(["eu", "us"])


@hw.asset(partitions=daily)
def sales(context: hw.Context) -> int:
    return int(os.environ.get("SALES_" + context.partition_key.upper(), "1"))


@hw.asset(partitions=daily)
def margin(sales: int) -> int:
    return sales * 2


defs = hw.Definitions(assets=[sales, margin])
"""


def test_status_of_one_partition_follows_the_mapping(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write(tmp_path, "parts.py", PARTITIONED)
    for region in ("eu", "us"):
        run("materialize", "-f", str(project), "--partition", region, ok=True)
    monkeypatch.setenv("SALES_EU", "7")
    run("materialize", "-f", str(project), "--select", "sales", "--partition", "eu", ok=True)
    eu = flat(run("assets", "status", "-f", str(project), "--partition", "eu", ok=True).stdout)
    assert "margin │ stale" in eu
    assert "upstream 'sales' (1 level up) partition eu has a newer data version (" in eu
    us = json.loads(run("assets", "status", "-f", str(project), "--partition", "us", "--json", ok=True).stdout)
    assert us["counts"] == {"fresh": 2, "stale": 0, "missing": 0, "overdue": 0}


def test_status_summarises_partitions(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = PARTITIONED.replace('["eu", "us"]', '["eu", "us", "apac"]').replace(
        "    return sales * 2", '    if sales < 0:\n        raise ValueError("negative sales")\n    return sales * 2'
    )
    project = write(tmp_path, "parts.py", source)
    run("materialize", "-f", str(project), "--partition", "eu", ok=True)
    monkeypatch.setenv("SALES_US", "-1")
    assert run("materialize", "-f", str(project), "--partition", "us").exit_code != 0
    text = flat(run("assets", "status", "-f", str(project), ok=True).stdout)
    assert "sales │ 2/3 partitions │" in text
    assert "margin │ 1/3 partitions, 1 failed │" in text
    data = json.loads(run("assets", "status", "-f", str(project), "--json", ok=True).stdout)
    margin = next(row for row in data["assets"] if row["key"] == "margin")
    assert margin["partitions"]["counts"] == {"materialized": 1, "failed": 1, "missing": 1, "in_progress": 0}
    assert margin["partitions"]["text"] == "1/3 materialized, 1 failed"
    assert margin["status"] == "failed" and margin["partition_health"]["failed"] == 1
    assert next(row for row in data["assets"] if row["key"] == "sales")["status"] == "partial"
    plain = json.loads(run("assets", "status", "-f", str(write(tmp_path, "c.py", CHAIN)), "--json", ok=True).stdout)
    assert all(row["partitions"] is None for row in plain["assets"])


def test_partitions_from_older_code_count_as_stale(tmp_path: Path, home: Path) -> None:
    def versioned(version: str) -> str:
        return PARTITIONED.replace(
            "@hw.asset(partitions=daily)\ndef sales",
            f"@hw.asset(partitions=daily, code_version='{version}')\ndef sales",
        )

    project = write(tmp_path, "parts.py", versioned("1"))
    for region in ("eu", "us"):
        run("materialize", "-f", str(project), "--select", "sales", "--partition", region, ok=True)
    project = write(tmp_path, "parts2.py", versioned("2"))
    run("materialize", "-f", str(project), "--select", "sales", "--partition", "eu", ok=True)
    data = json.loads(run("assets", "status", "-f", str(project), "--json", ok=True).stdout)
    sales = next(row for row in data["assets"] if row["key"] == "sales")
    assert sales["status"] == "stale"
    assert sales["partition_health"]["text"] == "2/2 partitions, 1 stale (code changed)"
