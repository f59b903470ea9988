"""End-to-end behaviour of hw.materialize and Instance.materialize (in-process)."""

from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.events import EventType


@pytest.fixture
def instance(tmp_path: Path) -> Any:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home")))
    yield inst
    inst.close()


@hw.asset
def numbers() -> list[int]:
    print("making numbers")
    return [1, 2, 3]


@hw.asset
def total(context: hw.Context, numbers: list[int]) -> hw.Output[int]:
    context.log.info("summing %d numbers", len(numbers))
    context.add_metadata({"count": len(numbers)})
    return hw.Output(sum(numbers), metadata={"total": sum(numbers)}, data_version="v1")


@hw.asset
def doubled(total: int) -> int:
    return total * 2


def test_values_events_and_metadata() -> None:
    result = hw.materialize([numbers, total, doubled])
    assert result.success
    assert result.value_of("doubled") == 12
    assert result.materialized == [hw.AssetKey("numbers"), hw.AssetKey("total"), hw.AssetKey("doubled")]
    assert result.metadata_of("total") == {"total": 6, "count": 2 + 1}
    event = next(e for e in result.of_type(EventType.ASSET_MATERIALIZED) if e.asset_key == hw.AssetKey("total"))
    assert event.data["data_version"] == "v1"
    kinds = [e.type for e in result.events]
    assert kinds[0] is EventType.RUN_STARTED
    assert kinds[-1] is EventType.RUN_SUCCEEDED
    # two rows per materialized asset: started, materialized
    assert kinds.count(EventType.STEP_STARTED) == 3
    assert EventType.STEP_SUCCEEDED not in kinds


def test_failure_skips_downstream_and_keeps_traceback(instance: Any) -> None:
    @hw.asset(name="total")
    def broken(numbers: list[int]) -> int:
        raise ValueError("bad numbers")

    defs = hw.Definitions(assets=[numbers, broken, doubled])
    result = instance.materialize(defs)
    assert not result.success
    assert result.run.status is hw.RunStatus.FAILED
    failed = result.of_type(EventType.STEP_FAILED)
    assert [e.step_key for e in failed] == ["total"]
    assert failed[0].data["error"] == "step 'total' failed: ValueError: bad numbers"
    assert 'raise ValueError("bad numbers")' in failed[0].data["traceback"]
    skipped = result.of_type(EventType.STEP_SKIPPED)
    assert [(e.step_key, e.data["reason"]) for e in skipped] == [("doubled", "upstream step 'total' failed")]
    stored = instance.storage.get_run(result.run_id)
    assert stored.status is hw.RunStatus.FAILED
    assert stored.error == "1 step(s) failed (total); 1 downstream step(s) skipped"
    with pytest.raises(hw.RunFailed, match="bad numbers"):
        result.raise_on_failure()
    # the failed asset is indexed as a failure, the good one as materialized
    assert hw.AssetKey("total") in instance.storage.latest("failure")
    assert hw.AssetKey("numbers") in instance.storage.latest("materialization")


def test_logs_are_captured_apart_from_events(instance: Any) -> None:
    result = instance.materialize(hw.Definitions(assets=[numbers, total]))
    logs = {rec.step_key: rec.text for rec in instance.storage.get_logs(result.run_id)}
    assert "making numbers" in logs["numbers"]
    assert "INFO summing 3 numbers" in logs["total"]
    assert all("making numbers" not in str(e.data) for e in result.events)


def test_upstream_outside_selection_loads_last_value(instance: Any) -> None:
    defs = hw.Definitions(assets=[numbers, total, doubled])
    assert instance.materialize(defs).success
    again = instance.materialize(defs, "doubled")
    assert again.success
    assert again.materialized == [hw.AssetKey("doubled")]
    assert again.value_of("doubled") == 12


def test_missing_upstream_is_a_clear_error(instance: Any) -> None:
    defs = hw.Definitions(assets=[numbers, total, doubled])
    with pytest.raises(hw.SelectionError) as info:
        instance.materialize(defs, "doubled")
    message = str(info.value)
    assert "1 upstream asset(s) outside the selection have no stored value: 'total' (needed by doubled)" in message
    assert "--select '+doubled'" in message
    assert instance.storage.list_runs() == []  # nothing was started


def test_unknown_selection_suggests(instance: Any) -> None:
    with pytest.raises(hw.SelectionError, match="did you mean 'total'"):
        instance.materialize(hw.Definitions(assets=[numbers, total]), "totl")


class Scale(hw.Config):
    factor: int


@hw.asset
def scaled(config: Scale, numbers: list[int]) -> list[int]:
    return [n * config.factor for n in numbers]


def test_run_config_reaches_the_asset() -> None:
    result = hw.materialize([numbers, scaled], config={"scaled": {"factor": 10}})
    assert result.value_of("scaled") == [10, 20, 30]


def test_bad_run_config_fails_before_the_run(instance: Any) -> None:
    defs = hw.Definitions(assets=[numbers, scaled])
    with pytest.raises(hw.ConfigError) as info:
        instance.materialize(defs)
    assert "run config for 'scaled' is invalid (Scale): factor: Field required" in str(info.value)
    with pytest.raises(hw.ConfigError, match="factor: Input should be a valid integer"):
        instance.materialize(defs, config={"scaled": {"factor": "many"}})
    with pytest.raises(hw.ConfigError, match="run config names scaledd, which is not an asset"):
        instance.materialize(defs, config={"scaledd": {"factor": 1}})
    assert instance.storage.list_runs() == []


class Store(hw.Resource):
    prefix: str

    def label(self, value: object) -> str:
        return f"{self.prefix}{value}"


def test_resources_are_injected(monkeypatch: pytest.MonkeyPatch) -> None:
    @hw.asset
    def labelled(store: Store, total: int) -> str:
        return store.label(total)

    monkeypatch.setenv("HW_TEST_PREFIX", "n=")
    defs = hw.Definitions(
        assets=[numbers, total, labelled], resources={"store": Store(prefix=hw.EnvVar("HW_TEST_PREFIX"))}
    )
    assert hw.materialize(defs).value_of("labelled") == "n=6"
    monkeypatch.delenv("HW_TEST_PREFIX")
    with pytest.raises(hw.ConfigError, match="environment variable HW_TEST_PREFIX, which is not set"):
        hw.materialize(defs)


def test_checks_run_after_their_asset_and_blocking_stops_downstream() -> None:
    @hw.check(asset=total, blocking=True)
    def small(total: int) -> hw.CheckResult:
        return hw.CheckResult(passed=total < 5, metadata={"total": total}, description="too big")

    @hw.check(asset=numbers)
    def warn_only(numbers: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=False)

    result = hw.materialize(hw.Definitions(assets=[numbers, total, doubled], checks=[small, warn_only]))
    checks = {e.data["check"]: e.data for e in result.of_type(EventType.CHECK_EVALUATED)}
    assert checks["small"]["passed"] is False
    assert checks["small"]["metadata"] == {"total": 6}
    assert checks["warn_only"]["passed"] is False
    skipped = result.of_type(EventType.STEP_SKIPPED)
    assert [(e.step_key, e.data["reason"]) for e in skipped] == [
        ("doubled", "upstream step 'total' has a failed blocking check")
    ]
    assert not result.success
    assert result.run.error == "a blocking check failed on total; 1 downstream step(s) skipped"
    assert {e.step_key for e in result.of_type(EventType.CHECK_EVALUATED)} == {"total", "numbers"}


def test_check_that_raises_is_a_failed_check() -> None:
    @hw.check(asset=numbers)
    def explodes(numbers: list[int]) -> hw.CheckResult:
        raise RuntimeError("check crashed")

    result = hw.materialize(hw.Definitions(assets=[numbers], checks=[explodes]))
    (event,) = result.of_type(EventType.CHECK_EVALUATED)
    assert event.data["passed"] is False
    assert event.data["error"] == "RuntimeError: check crashed"
    assert result.success  # not blocking


def test_multi_asset_outputs() -> None:
    @hw.multi_asset(outs={"low": None, "high": None})
    def split(numbers: list[int]) -> dict[str, Any]:
        return {"low": numbers[:1], "high": hw.Output(numbers[1:], metadata={"n": 2})}

    @hw.asset
    def both(low: list[int], high: list[int]) -> int:
        return len(low) + len(high)

    result = hw.materialize([numbers, split, both])
    assert result.success
    assert result.value_of("high") == [2, 3]
    assert result.metadata_of("high") == {"n": 2}
    assert result.value_of("both") == 3


def test_multi_asset_bad_return_is_explained() -> None:
    @hw.multi_asset(outs={"low": None, "high": None})
    def split(numbers: list[int]) -> list[int]:
        return numbers

    result = hw.materialize([numbers, split])
    (failed,) = result.of_type(EventType.STEP_FAILED)
    assert "multi-asset 'split' must return a dict keyed by output name (low, high)" in failed.data["error"]


def test_unpicklable_value_fails_the_step_and_records_nothing(instance: Any) -> None:
    @hw.asset
    def handle() -> Any:
        return lambda: 1

    result = instance.materialize(hw.Definitions(assets=[handle]))
    (failed,) = result.of_type(EventType.STEP_FAILED)
    assert "asset 'handle': its value of type function cannot be pickled" in failed.data["error"]
    assert result.of_type(EventType.ASSET_MATERIALIZED) == []
    assert instance.storage.latest("materialization") == {}
    assert not any(p.suffix == ".pkl" for p in Path(instance.config.home).rglob("*"))


def test_interrupt_marks_run_failed(instance: Any) -> None:
    @hw.asset
    def stop() -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        instance.materialize(hw.Definitions(assets=[numbers, stop]))
    (run,) = instance.storage.list_runs()
    assert run.status is hw.RunStatus.FAILED
    assert "interrupted" in run.error
    events = instance.storage.get_events(run.run_id)
    assert [r.event.type for r in events][-2:] == [EventType.STEP_FAILED, EventType.RUN_FAILED]


def test_events_are_durable(tmp_path: Path) -> None:
    config = hw.InstanceConfig(home=str(tmp_path / "h"))
    with hw.Instance.from_config(config) as first:
        run_id = first.materialize(hw.Definitions(assets=[numbers, total])).run_id
    with hw.Instance.from_config(config) as second:
        run = second.storage.get_run(run_id)
        assert run is not None
        assert run.status is hw.RunStatus.SUCCEEDED
        assert run.asset_keys == (hw.AssetKey("numbers"), hw.AssetKey("total"))
        assert len(second.storage.get_events(run_id)) == 6


def test_status_and_changed_code_selections(instance: Any) -> None:
    @hw.asset(code_version="1")
    def versioned(numbers: list[int]) -> int:
        return len(numbers)

    defs = hw.Definitions(assets=[numbers, total, versioned])
    assert instance.select(defs, "status:missing") == {hw.AssetKey(k) for k in ("numbers", "total", "versioned")}
    assert instance.select(defs, "changed:code") == {hw.AssetKey("versioned")}
    assert instance.materialize(defs).success
    assert instance.select(defs, "status:missing") == set()
    assert instance.select(defs, "status:fresh") == {hw.AssetKey(k) for k in ("numbers", "total", "versioned")}
    assert instance.select(defs, "changed:code") == set()
    assert instance.materialize(defs, "numbers").success  # the same value: the same data version
    assert instance.select(defs, "status:stale") == set()
    more = hw.asset(name="numbers")(lambda: [1, 2, 3, 4])
    assert instance.materialize(hw.Definitions(assets=[more]), "numbers").success  # a new data version
    assert instance.select(defs, "status:stale") == {hw.AssetKey("total"), hw.AssetKey("versioned")}
    bumped = hw.asset(name="versioned", code_version="2")(versioned.op.fn)  # type: ignore[union-attr]
    defs2 = hw.Definitions(assets=[numbers, total, bumped])
    assert instance.select(defs2, "changed:code") == {hw.AssetKey("versioned")}

    @hw.asset(name="total")
    def broken(numbers: list[int]) -> int:
        raise ValueError("no")

    instance.materialize(hw.Definitions(assets=[numbers, broken]), "total")
    assert instance.select(defs, "status:failed") == {hw.AssetKey("total")}
    assert hw.AssetKey("total") not in instance.select(defs, "status:fresh")
