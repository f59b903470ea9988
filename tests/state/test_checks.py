"""Check verdicts: one definition of "a check failed" read alike by status, automation and the web's
graph states, and kept whole by retention."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.automation import Daemon
from headwater.events import CheckOutcome
from headwater.graph import AssetGraph
from headwater.state import CheckVerdicts
from headwater.state.status import AssetStatus
from headwater.storage.automation import AutomationStore
from headwater.storage.retention import RetentionStore
from headwater.web.states import AssetStates

ROWS = hw.AssetKey("rows")
_good = {"value": False}


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / ".headwater"))) as opened:
        yield opened


@hw.asset(automation=hw.AutomationCondition.check_failed())
def rows() -> list[int]:
    return [1]


@hw.check(asset=rows, severity="warn")
def plenty(rows: list[int]) -> hw.CheckResult:
    return hw.CheckResult(passed=len(rows) > 5)


@hw.check(asset=rows)
def good(rows: list[int]) -> hw.CheckResult:
    return hw.CheckResult(passed=_good["value"])


@hw.check(asset=rows, blocking=True)
def blocking_good(rows: list[int]) -> hw.CheckResult:
    return hw.CheckResult(passed=_good["value"])


def _views(instance: hw.Instance, defs: hw.Definitions, daemon: Daemon) -> dict[str, bool]:
    """Whether ``rows`` has a failed check, as each reader of check verdicts sees it."""
    graph = AssetGraph.from_definitions(defs)
    status = AssetStatus(instance.storage, graph)
    seen = {
        "status": ROWS in status.failed_checks,
        "reason": any(r.kind == "check_failed" for r in status.state(ROWS).reasons),
        "graph": AssetStates(instance.storage, graph).states()[ROWS] == "check_failed",
        "verdicts": ROWS in CheckVerdicts(instance.storage, graph).failed_keys,
    }
    assert daemon.tick().acted  # queues a run when the condition is true
    [latest, *_] = AutomationStore(instance.storage).evaluations(ROWS)
    for run in instance.storage.list_runs():
        if not run.status.finished:
            instance.cancel_run(run.run_id)  # so the next look at the graph does not see it running
    return {**seen, "automation": bool(latest["requested"])}


def test_a_warned_check_is_not_a_failed_check_anywhere(instance: hw.Instance) -> None:
    _good["value"] = True
    defs = hw.Definitions(assets=[rows], checks=[plenty, good])
    assert instance.materialize(defs).success
    verdicts = CheckVerdicts(instance.storage, AssetGraph.from_definitions(defs)).of(ROWS)
    assert {name: v.outcome for name, v in verdicts.items()} == {
        "good": CheckOutcome.PASSED,
        "plenty": CheckOutcome.WARNED,
    }
    assert set(_views(instance, defs, Daemon(instance.storage, defs, launch=False)).values()) == {False}


def test_a_failed_check_then_a_passing_recheck_read_alike_everywhere(instance: hw.Instance) -> None:
    _good["value"] = False
    defs = hw.Definitions(assets=[rows], checks=[plenty, good, blocking_good])
    instance.materialize(defs)
    daemon = Daemon(instance.storage, defs, launch=False)
    failed = _views(instance, defs, daemon)
    assert failed == dict.fromkeys(failed, True)
    status = AssetStatus(instance.storage, AssetGraph.from_definitions(defs))
    assert status.failed_checks == {ROWS: ["blocking_good", "good"]}
    assert [r.text for r in status.state(ROWS).reasons] == [
        "blocking check 'blocking_good' failed on the current value",
        "check 'good' failed on the current value",
    ]
    _good["value"] = True
    assert instance.run_checks(defs, "rows", names=["good", "blocking_good"]).success
    cleared = _views(instance, defs, daemon)
    assert cleared == dict.fromkeys(cleared, False)


def test_a_check_of_an_older_value_does_not_judge_the_current_one(instance: hw.Instance) -> None:
    _good["value"] = False
    defs = hw.Definitions(assets=[rows], checks=[good])
    instance.materialize(defs)
    assert ROWS in CheckVerdicts(instance.storage, AssetGraph.from_definitions(defs)).failed_keys
    instance.report("rows", data_version="v2", defs=defs)  # a new value, made elsewhere and not checked yet
    assert CheckVerdicts(instance.storage, AssetGraph.from_definitions(defs)).of(ROWS) == {}


def test_retention_keeps_the_verdict_that_judges_the_current_value(instance: hw.Instance) -> None:
    _good["value"] = False
    defs = hw.Definitions(assets=[rows], checks=[blocking_good])
    for _ in range(3):
        instance.materialize(defs)
    graph = AssetGraph.from_definitions(defs)
    assert AssetStatus(instance.storage, graph).state(ROWS).status == "stale"
    result = RetentionStore(instance.storage).prune_runs(before=time.time() + 1, keep=None, batch_size=10)
    assert len(result.runs) == 2 and result.events > 0
    status = AssetStatus(instance.storage, graph)
    assert status.state(ROWS).status == "stale"
    assert status.failed_checks == {ROWS: ["blocking_good"]}
