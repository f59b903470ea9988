"""``headwater automation alerts`` lists the alerts of the code and of headwater.toml with their open
incidents, after a real ``headwater daemon --once``."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import flat, run, write

ALERTED = """
from datetime import timedelta

import headwater as hw

@hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=1)))
def feed() -> int:
    return 1

defs = hw.Definitions(assets=[feed], alerts=[hw.Alert("late", on="asset_overdue")])
"""

TOML = """
[[alerts.rules]]
name = "feed missing"
on = "condition"
not_updated_within = "PT2H"
select = "feed"
"""


def test_alerts_list_their_open_incidents(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "defs.py", ALERTED)
    (tmp_path / "headwater.toml").write_text(TOML)
    before = json.loads(run("automation", "alerts", "-f", str(project), "--json", ok=True).output)
    assert [(a["name"], a["describe"], a["open"]) for a in before] == [
        ("late", "asset_overdue", []),
        ("feed missing", "condition not_updated_within(2:00:00)", []),
    ]
    run("daemon", "-f", str(project), "--once", ok=True)
    after = json.loads(run("automation", "alerts", "-f", str(project), "--json", ok=True).output)
    assert [[i["id"] for i in a["open"]] for a in after] == [["late#1"], ["feed missing#1"]]
    assert [a["owed"] for a in after] == [[], []]  # delivered to the daemon's log
    table = run("automation", "alerts", "-f", str(project), ok=True).output
    assert "late#1: feed is overdue: never materialized" in table and "feed missing#1: feed:" in table


def test_check_refuses_an_alert_the_daemon_would_refuse(tmp_path: Path, home: Path) -> None:
    project = write(
        tmp_path, "defs.py", ALERTED.replace('on="asset_overdue")', 'on="asset_overdue", targets=["opps"])')
    )
    (tmp_path / "headwater.toml").write_text('[alerts.targets.ops]\ntype = "log"\n')
    refused = run("check", "-f", str(project))
    assert refused.exit_code == 2
    assert "hw.Alert('late'): unknown target 'opps' (did you mean 'ops'?)" in flat(refused.output)
    project = write(tmp_path, "fixed.py", ALERTED)  # a new module: the first one stays imported
    (tmp_path / "headwater.toml").write_text('[[alerts.rules]]\nname = "x"\non = "asset_overdue"\nselect = "fed"\n')
    refused = run("check", "-f", str(project))
    assert refused.exit_code == 2 and "hw.Alert('x'): select='fed':" in flat(refused.output)
    assert "did you mean 'feed'" in flat(refused.output)
    (tmp_path / "headwater.toml").write_text("")
    assert "1 assets, 0 checks, 1 groups: OK" in run("check", "-f", str(project), ok=True).output
