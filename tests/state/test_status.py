"""Asset status with reasons: fresh, stale, missing, from the event log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.graph import AssetGraph
from headwater.state.status import AssetStatus


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def chain(value: list[int], code_version: str | None = None, fail: bool = False) -> hw.Definitions:
    @hw.asset(name="a", code_version=code_version)
    def a() -> list[int]:
        if fail:
            raise ValueError("source is down")
        return value

    @hw.asset
    def b(a: list[int]) -> int:
        return sum(a)

    @hw.asset
    def c(b: int) -> int:
        return b * 2

    return hw.Definitions(assets=[a, b, c])


def states(instance: hw.Instance, defs: hw.Definitions) -> dict[str, Any]:
    status = AssetStatus(instance.storage, AssetGraph.from_definitions(defs))
    return {str(k): s for k, s in status.states.items()}


def test_missing_then_fresh(instance: hw.Instance) -> None:
    defs = chain([1])
    found = states(instance, defs)
    assert {k: s.status for k, s in found.items()} == {"a": "missing", "b": "missing", "c": "missing"}
    assert [r.text for r in found["a"].reasons] == ["never materialized"]
    assert instance.materialize(defs).success
    found = states(instance, defs)
    assert {k: s.status for k, s in found.items()} == {"a": "fresh", "b": "fresh", "c": "fresh"}
    assert found["c"].reasons == ()
    assert found["b"].to_json()["data_version"] == found["b"].data_version


def test_upstream_data_version_changes_name_the_asset_and_distance(instance: hw.Instance) -> None:
    assert instance.materialize(chain([1])).success
    assert instance.materialize(chain([1]), "a").success  # same value, same version: still fresh
    assert {s.status for s in states(instance, chain([1])).values()} == {"fresh"}
    assert instance.materialize(chain([1, 2]), "a").success
    found = states(instance, chain([1, 2]))
    assert found["a"].status == "fresh"
    assert found["b"].status == "stale"
    (reason,) = found["b"].reasons
    assert (reason.kind, str(reason.asset), reason.depth) == ("upstream_changed", "a", 1)
    assert reason.text.startswith("upstream 'a' (1 level up) has a newer data version (")
    assert "than the one consumed (" in reason.text
    (far,) = found["c"].reasons
    assert far.to_json() == {
        "kind": "upstream_changed",
        "asset": "a",
        "depth": 2,
        "text": "upstream 'a' (2 levels up) has a newer data version than the one used",
    }


def test_code_version_change_propagates(instance: hw.Instance) -> None:
    assert instance.materialize(chain([1], code_version="1")).success
    found = states(instance, chain([1], code_version="2"))
    assert [r.text for r in found["a"].reasons] == ["code version changed: materialized with '1', now '2'"]
    assert [r.text for r in found["c"].reasons] == ["code of upstream 'a' (2 levels up) changed"]
    assert found["b"].reasons[0].kind == "upstream_code_changed"


def test_failed_run_and_blocking_check(instance: hw.Instance) -> None:
    assert instance.materialize(chain([1])).success
    instance.materialize(chain([1], fail=True), "a")
    found = states(instance, chain([1]))
    assert found["a"].status == "stale"
    assert found["a"].failed
    assert found["a"].reasons[0].kind == "last_run_failed"
    assert found["a"].reasons[0].text.startswith("the last run failed (run ")

    defs = chain([5])

    @hw.check(asset="b", blocking=True)
    def small(b: int) -> hw.CheckResult:
        return hw.CheckResult(passed=b < 3)

    @hw.check(asset="b")
    def advisory(b: int) -> hw.CheckResult:
        return hw.CheckResult(passed=False)

    checked = hw.Definitions(assets=defs.assets, checks=[small, advisory])
    instance.materialize(checked)
    found = states(instance, checked)
    assert [r.text for r in found["b"].reasons] == [
        "blocking check 'small' failed on the current value",
        "check 'advisory' failed on the current value",
    ]
    assert found["c"].status == "stale"  # c was skipped: its input changed under it


def test_selection_uses_the_same_answers(instance: hw.Instance) -> None:
    assert instance.materialize(chain([1])).success
    assert instance.materialize(chain([2]), "a").success
    assert instance.select(chain([2]), "status:stale") == {hw.AssetKey("b"), hw.AssetKey("c")}
    assert instance.select(chain([2]), "status:fresh") == {hw.AssetKey("a")}
    status = AssetStatus(instance.storage, AssetGraph.from_definitions(chain([2])))
    assert status.counts() == {"fresh": 1, "stale": 2, "missing": 0}


def test_freshness_policies(instance: hw.Instance) -> None:
    import time
    from datetime import timedelta

    @hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=1)))
    def lagging() -> int:
        return 1

    @hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=2), cron="0 9 * * *"))
    def daily() -> int:
        return 2

    defs = hw.Definitions(assets=[lagging, daily])
    graph = AssetGraph.from_definitions(defs)
    assert AssetStatus(instance.storage, graph).overdue == {hw.AssetKey("lagging"), hw.AssetKey("daily")}
    assert instance.materialize(defs).success
    now = time.time()
    found = AssetStatus(instance.storage, graph, now=now).freshness
    assert found[hw.AssetKey("lagging")]["status"] == "on_time"
    assert found[hw.AssetKey("daily")]["status"] == "on_time"
    later = AssetStatus(instance.storage, graph, now=now + 2 * 3600).freshness[hw.AssetKey("lagging")]
    assert later["status"] == "overdue"
    assert later["text"].startswith("overdue: last materialized 2:00:")
    assert later["text"].endswith("ago (late by 1:00:00) (policy: at most 1:00:00 old)")
    next_day = AssetStatus(instance.storage, graph, now=now + 2 * 86400).freshness[hw.AssetKey("daily")]
    assert next_day["status"] == "overdue"
    assert next_day["policy"] == "at most 2:00:00 old at each '0 9 * * *' (UTC)"


def test_freshness_definition_errors() -> None:
    from datetime import timedelta

    with pytest.raises(hw.DefinitionError, match=r"hw.Freshness: max_lag must be a positive timedelta such as"):
        hw.Freshness(max_lag=timedelta(0))
    with pytest.raises(hw.DefinitionError, match=r"hw.Freshness: cron='every day' is not a valid cron expression"):
        hw.Freshness(max_lag=timedelta(hours=1), cron="every day")
    with pytest.raises(hw.DefinitionError, match=r"asset 'x': freshness= takes hw.Freshness\(max_lag=timedelta"):
        hw.asset(name="x", freshness=3600)(lambda: 1)  # type: ignore[call-overload]


def _late_materialization(instance: hw.Instance, key: str, hours_ago: float) -> None:
    """Record a materialization of ``key`` made ``hours_ago`` hours ago (as another system would report it)."""
    import time

    from headwater.events import Event, EventType, RunRecord

    run = RunRecord(run_id=f"old-{key}", selection=key, asset_keys=(hw.AssetKey(key),))
    instance.storage.add_run(run)
    made = time.time() - hours_ago * 3600
    instance.storage.store_events(
        [
            Event(run_id=run.run_id, type=EventType.RUN_STARTED, timestamp=made),
            Event(
                run_id=run.run_id,
                type=EventType.ASSET_MATERIALIZED,
                timestamp=made,
                step_key=key,
                asset_key=hw.AssetKey(key),
                data={"data_version": "v1"},
            ),
            Event(run_id=run.run_id, type=EventType.RUN_SUCCEEDED, timestamp=made),
        ]
    )


def freshness_defs() -> hw.Definitions:
    from datetime import timedelta

    @hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=1)))
    def hourly() -> int:
        return 1

    @hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=6)))
    def daily(hourly: int) -> int:
        return hourly

    @hw.asset
    def unpoliced(daily: int) -> int:
        return daily

    return hw.Definitions(assets=[hourly, daily, unpoliced])


def test_overdue_and_on_time_select_and_explain(instance: hw.Instance) -> None:
    defs = freshness_defs()
    _late_materialization(instance, "hourly", hours_ago=3)
    _late_materialization(instance, "daily", hours_ago=2)
    _late_materialization(instance, "unpoliced", hours_ago=1)
    assert instance.select(defs, "status:overdue") == {hw.AssetKey("hourly")}
    assert instance.select(defs, "status:on_time") == {hw.AssetKey("daily")}
    assert instance.select(defs, "not status:overdue and not status:on_time") == {hw.AssetKey("unpoliced")}
    status = AssetStatus(instance.storage, AssetGraph.from_definitions(defs))
    state = status.state(hw.AssetKey("hourly"))
    (reason,) = [r for r in state.reasons if r.kind == "overdue"]
    assert reason.text.startswith("overdue: last materialized 3:00:0")
    assert "ago (late by 2:00:0" in reason.text
    assert reason.text.endswith("(policy: at most 1:00:00 old)")
    assert state.to_json()["reasons"][-1]["kind"] == "overdue"
    assert status.freshness[hw.AssetKey("hourly")]["late_by"] == pytest.approx(7200, abs=60)
    assert status.freshness[hw.AssetKey("daily")]["late_by"] is None
    assert not [r for r in status.state(hw.AssetKey("daily")).reasons if r.kind == "overdue"]


def test_overdue_asset_never_materialized_says_so(instance: hw.Instance) -> None:
    status = AssetStatus(instance.storage, AssetGraph.from_definitions(freshness_defs()))
    reasons = [r.text for r in status.state(hw.AssetKey("hourly")).reasons]
    assert reasons == ["never materialized", "overdue: never materialized (policy: at most 1:00:00 old)"]
    assert status.state(hw.AssetKey("hourly")).status == "missing"


def test_failed_warn_check_does_not_make_the_asset_stale(instance: hw.Instance) -> None:
    @hw.asset
    def rows() -> list[int]:
        return [1]

    @hw.check(asset=rows, blocking=True, severity="warn")
    def plenty(rows: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=len(rows) > 5)

    @hw.check(asset=rows, blocking=True)
    def some(rows: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=len(rows) > 0)

    defs = hw.Definitions(assets=[rows], checks=[plenty, some])
    assert instance.materialize(defs).success
    status = AssetStatus(instance.storage, AssetGraph.from_definitions(defs))
    assert status.failed_checks == {}
    assert status.state(hw.AssetKey("rows")).status == "fresh"
