"""Declarative conditions evaluated by the daemon: eager, on_missing, on_cron and the records of why."""

from __future__ import annotations

import headwater as hw
from headwater.automation import Daemon
from headwater.automation.conditions import detail_tree
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore


def _defs(raw_condition: hw.AutomationCondition | None = None) -> hw.Definitions:
    @hw.asset(automation=raw_condition)
    def raw() -> int:
        return 1

    @hw.asset(automation=hw.eager())
    def clean(raw: int) -> int:
        return raw + 1

    @hw.asset(automation=hw.on_missing())
    def report(clean: int) -> int:
        return clean * 2

    return hw.Definitions(assets=[raw, clean, report])


def test_missing_assets_are_requested_in_one_run_then_not_again(instance: hw.Instance) -> None:
    defs = _defs(hw.on_missing())
    daemon = Daemon(instance.storage, defs, launch=False)
    first = daemon.tick(now=1000.0)
    assert first.acted and first.evaluated_assets == 3 and first.requested_assets == 3
    [queued] = RunQueueStore(instance.storage).queue(launched=False)
    assert sorted(k.to_string() for k in queued.run.asset_keys) == ["clean", "raw", "report"]
    assert queued.run.status is hw.RunStatus.QUEUED

    second = daemon.tick(now=1001.0)  # everything is in progress now
    assert second.requested_assets == 0
    why = AutomationStore(instance.storage).evaluations(hw.AssetKey("clean"))
    assert [e["requested"] for e in why] == [False, True]
    detail = detail_tree(why[0]["detail"])
    assert detail["condition"] == "eager" and detail["true"] is False
    leaves = _leaves(why[0]["detail"])
    assert leaves["in_progress"] is True and leaves["missing"] is True


def _leaves(stored: dict[str, object]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    stack = [detail_tree(stored)]
    while stack:
        node = stack.pop()
        children = node.get("children")
        if isinstance(children, list):
            stack.extend(children)
        else:
            found[str(node["condition"])] = bool(node["true"])
    return found


def test_eager_requests_downstream_after_an_upstream_update(instance: hw.Instance) -> None:
    defs = _defs()
    hw.materialize(defs, instance=instance)
    daemon = Daemon(instance.storage, defs, launch=False)
    assert daemon.tick().requested_assets == 0
    instance.materialize(defs, "raw")
    summary = daemon.tick()
    assert summary.requested_assets == 1
    [queued] = RunQueueStore(instance.storage).queue(launched=False)
    assert [k.to_string() for k in queued.run.asset_keys] == ["clean"]
    assert queued.run.tags["headwater/automation"] == "conditions"


def test_on_cron_waits_for_the_tick_and_upstream(instance: hw.Instance) -> None:
    @hw.asset
    def source() -> int:
        return 1

    @hw.asset(automation=hw.on_cron("0 * * * *"))
    def hourly(source: int) -> int:
        return source

    defs = hw.Definitions(assets=[source, hourly])
    hw.materialize(defs, instance=instance)
    daemon = Daemon(instance.storage, defs, launch=False)
    # Both were materialized just now, after the latest hourly tick: nothing to do.
    assert daemon.tick().requested_assets == 0
    # One hour later the tick has passed but the upstream did not update since: still nothing.
    later = daemon.tick(now=_next_hour())
    assert later.requested_assets == 0
    leaves = _leaves(AutomationStore(instance.storage).evaluations(hw.AssetKey("hourly"))[0]["detail"])
    assert leaves["cron_tick_passed('0 * * * *')"] is True
    assert leaves["upstream_updated_since_cron('0 * * * *')"] is False


def _next_hour() -> float:
    import time

    return (int(time.time()) // 3600 + 1) * 3600 + 60.0


def test_composed_conditions_and_check_failed(instance: hw.Instance) -> None:
    c = hw.AutomationCondition

    @hw.asset(automation=(c.check_failed() | c.missing()) & ~c.in_progress())
    def orders() -> list[int]:
        return []

    @hw.check(asset=orders)
    def not_empty(orders: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=bool(orders))

    defs = hw.Definitions(assets=[orders], checks=[not_empty])
    hw.materialize(defs, instance=instance)
    summary = Daemon(instance.storage, defs, launch=False).tick()
    assert summary.requested_assets == 1
    [why] = AutomationStore(instance.storage).evaluations(hw.AssetKey("orders"))
    assert _leaves(why["detail"]) == {"check_failed": True, "missing": False, "in_progress": False}


def test_switching_conditions_off(instance: hw.Instance) -> None:
    AutomationStore(instance.storage).set_enabled("asset_automation", "asset_automation", False)
    assert Daemon(instance.storage, _defs(hw.on_missing()), launch=False).tick().evaluated_assets == 0


def test_a_missing_parent_that_is_not_requested_holds_its_children_back(instance: hw.Instance) -> None:
    @hw.asset
    def manual() -> int:
        return 1

    @hw.asset(automation=hw.on_missing())
    def auto_root() -> int:
        return 1

    @hw.asset(automation=hw.eager())
    def mixed(manual: int, auto_root: int) -> int:
        return manual + auto_root

    @hw.asset(automation=hw.eager())
    def chained(auto_root: int) -> int:
        return auto_root

    @hw.asset(automation=hw.eager())
    def deeper(chained: int) -> int:
        return chained

    defs = hw.Definitions(assets=[manual, auto_root, mixed, chained, deeper])
    summary = Daemon(instance.storage, defs, launch=False).tick(now=1000.0)
    [queued] = RunQueueStore(instance.storage).queue(launched=False)
    # auto_root is requested, so its children in the same tick are too; `manual` has no condition.
    assert sorted(k.to_string() for k in queued.run.asset_keys) == ["auto_root", "chained", "deeper"]
    assert summary.evaluated_assets == 4 and summary.requested_assets == 3
    leaves = _leaves(AutomationStore(instance.storage).evaluations(hw.AssetKey("mixed"))[0]["detail"])
    assert leaves["upstream_missing"] is True and leaves["missing"] is True
