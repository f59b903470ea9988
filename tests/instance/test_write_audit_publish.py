"""publish="after_checks": a new value is staged, its checks run on it, and it is published only when
no blocking check failed; otherwise the old value stays readable, the staged one is listed, and a
person publishes it anyway or discards it. Publish groups publish together or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.errors import DefinitionError, IOManagerError, SelectionError
from headwater.events import EventType
from headwater.io import FilesystemIOManager, IOManager

VALUES: dict[str, int] = {}


@hw.asset(publish="after_checks")
def orders() -> int:
    return VALUES["orders"]


@hw.check(asset="orders", blocking=True)
def not_negative(orders: int) -> hw.CheckResult:
    return hw.CheckResult(passed=orders >= 0)


@hw.asset
def report(orders: int) -> str:
    return f"{orders} orders"


DEFS = hw.Definitions(assets=[orders, report], checks=[not_negative])
ORDERS = hw.AssetKey("orders")


@pytest.fixture
def instance(tmp_path: Path) -> Any:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as inst:
        yield inst


def _types(result: hw.RunResult) -> list[str]:
    return [e.type.value for e in result.events if e.step_key == "orders"]


def test_a_passing_value_is_published_and_its_checks_are_verdicts_on_it(instance: Any) -> None:
    VALUES["orders"] = 3
    result = instance.materialize(DEFS)
    assert result.success
    # staged, then published (with the materialization readers use), then the checks on that value
    assert _types(result) == [
        "step_started",
        "asset_staged",
        "step_succeeded",
        "asset_published",
        "asset_materialized",
        "check_evaluated",
    ]
    assert instance.io_manager.load(hw.AssetKey("report"), None) == "3 orders"
    status = instance.status(DEFS)
    assert status.state(ORDERS).status.value == "fresh"
    assert status.failed_checks == {}
    assert instance.staged(DEFS) == []


def test_a_failed_blocking_check_holds_the_value_back_until_published_anyway(instance: Any) -> None:
    VALUES["orders"] = 3
    instance.materialize(DEFS)
    VALUES["orders"] = -7
    refused = instance.materialize(DEFS)
    assert not refused.success
    assert instance.io_manager.load(ORDERS, None) == 3  # the old value stands, readable
    assert instance.io_manager.load(hw.AssetKey("report"), None) == "3 orders"
    assert [e.type for e in refused.events if e.type is EventType.ASSET_MATERIALIZED] == []
    held = instance.staged(DEFS)
    assert [(h.key, h.run_id, h.failed_checks) for h in held] == [(ORDERS, refused.run_id, ("not_negative",))]
    reasons = [r.text for r in instance.status(DEFS).state(ORDERS).reasons]
    assert any("new value held back: check not_negative failed" in text for text in reasons), reasons
    # the failed verdict is on the held value, not on the current one
    assert instance.status(DEFS).failed_checks == {}

    instance.settle_staged(DEFS, "orders", publish=True, reason="a known refund", by="ann")
    assert instance.io_manager.load(ORDERS, None) == -7
    assert instance.staged(DEFS) == []
    latest = instance.latest_materializations([ORDERS])[ORDERS]
    assert latest.event.run_id == refused.run_id
    with pytest.raises(SelectionError, match="has no value held back"):
        instance.settle_staged(DEFS, "orders", publish=False)


def test_a_discarded_value_is_dropped_and_the_old_one_stays(instance: Any, tmp_path: Path) -> None:
    VALUES["orders"] = 3
    instance.materialize(DEFS)
    VALUES["orders"] = -1
    refused = instance.materialize(DEFS)
    staged_file = Path(str(instance.io_manager.path_for(ORDERS, None)) + f".{refused.run_id}.staged")
    assert staged_file.exists()
    instance.settle_staged(DEFS, "orders", publish=False, reason="bad feed")
    assert not staged_file.exists()
    assert instance.io_manager.load(ORDERS, None) == 3
    assert instance.staged(DEFS) == []
    discarded = instance.storage.get_events(refused.run_id, types=[EventType.ASSET_DISCARDED])
    assert [r.event.data["reason"] for r in discarded] == ["bad feed"]


@hw.asset
def fact() -> int:
    return VALUES["fact"]


@hw.asset
def dim(fact: int) -> int:
    # a member reading another member: it sees the staged value of this run, not the published one
    return fact * 10 + VALUES["dim"]


@hw.check(asset="dim", blocking=True)
def dim_small(dim: int) -> hw.CheckResult:
    return hw.CheckResult(passed=dim < 1000)


@hw.asset
def summary(fact: int, dim: int) -> int:
    return fact + dim


GROUPED = hw.Definitions(
    assets=[fact, dim, summary], checks=[dim_small], publish_groups=[hw.PublishGroup([fact, dim], name="mart")]
)


def test_a_publish_group_is_published_together_or_not_at_all(instance: Any) -> None:
    VALUES.update(fact=1, dim=2)
    first = instance.materialize(GROUPED)
    assert first.success
    assert instance.io_manager.load(hw.AssetKey("dim"), None) == 12  # read fact's staged value 1
    assert instance.io_manager.load(hw.AssetKey("summary"), None) == 13

    VALUES.update(fact=200, dim=0)
    refused = instance.materialize(GROUPED)
    assert not refused.success
    # fact passed its checks, but dim (2000) did not: neither is published
    assert instance.io_manager.load(hw.AssetKey("fact"), None) == 1
    assert instance.io_manager.load(hw.AssetKey("dim"), None) == 12
    assert sorted(h.key.to_string() for h in instance.staged(GROUPED)) == ["dim", "fact"]
    skipped = [e for e in refused.events if e.type is EventType.STEP_SKIPPED]
    assert [e.step_key for e in skipped] == ["summary"]


class PlainIO(IOManager):
    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}

    def save(self, key: hw.AssetKey, partition: str | None, value: Any) -> dict[str, Any]:
        self.values[key, partition] = value
        return {}

    def load(self, key: hw.AssetKey, partition: str | None) -> Any:
        return self.values[key, partition]

    def exists(self, key: hw.AssetKey, partition: str | None) -> bool:
        return (key, partition) in self.values


def test_misuse_gets_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="publish='sometimes' is not a publish mode"):
        hw.asset(name="x", publish="sometimes")(lambda: 1)
    with pytest.raises(DefinitionError, match="needs at least two assets"):
        hw.PublishGroup([fact])
    with pytest.raises(DefinitionError, match="in two publish groups"):
        hw.Definitions(assets=[fact, dim], publish_groups=[hw.PublishGroup([fact, dim]), hw.PublishGroup([dim, fact])])

    @hw.asset(publish="after_checks", io_manager="plain")
    def held() -> int:
        return 1

    plain = hw.Definitions(assets=[held], io_managers={"plain": PlainIO()})
    with pytest.raises(DefinitionError, match=r"IO manager 'plain' \(PlainIO\) cannot stage values"):
        hw.AssetGraph.from_definitions(plain)
    unknown = hw.Definitions(assets=[fact], publish_groups=[hw.PublishGroup(["fact", "dimm"])])
    with pytest.raises(DefinitionError, match="names 'dimm', which is not an asset"):
        hw.AssetGraph.from_definitions(unknown)
    # the instance's own default manager is checked when a run starts
    with (
        hw.Instance(hw.Instance.ephemeral().storage, PlainIO()) as inst,
        pytest.raises(IOManagerError, match="PlainIO cannot stage values"),
    ):
        inst.materialize(hw.Definitions(assets=[orders, report], checks=[not_negative]))
    assert FilesystemIOManager.supports_staging


def test_a_multi_asset_publishes_its_outputs_together_after_their_checks(instance: Any) -> None:
    @hw.multi_asset(outs={"left": None, "right": None}, publish="after_checks")
    def pair() -> dict[str, int]:
        return {"left": VALUES["left"], "right": VALUES["right"]}

    @hw.check(asset="right", blocking=True)
    def right_small(right: int) -> hw.CheckResult:
        return hw.CheckResult(passed=right < 10)

    defs = hw.Definitions(assets=[pair], checks=[right_small])
    VALUES.update(left=1, right=2)
    assert instance.materialize(defs).success
    VALUES.update(left=3, right=40)
    assert not instance.materialize(defs).success
    assert [instance.io_manager.load(hw.AssetKey(k), None) for k in ("left", "right")] == [1, 2]
    assert sorted(h.key.to_string() for h in instance.staged(defs)) == ["left", "right"]
