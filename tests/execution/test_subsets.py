"""Subsettable multi-assets: a run computes only the selected outputs, and a step can fail after
storing some of its outputs (raising StepFailed with outputs=...)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

import headwater as hw
from headwater.definitions import MultiAsset
from headwater.events import EventType


def _subsettable(multi: MultiAsset[..., Any]) -> MultiAsset[..., Any]:
    op = replace(multi.op, subsettable=True)
    return MultiAsset(op=op, specs=tuple(replace(spec, op=op) for spec in multi.specs))


@hw.multi_asset(outs={"a": None, "b": None, "c": None})
def _abc(context: hw.Context) -> dict[str, int]:
    made = {key.name: len(key.name) for key in context.asset_keys}
    if "c" in made:
        del made["c"]
        raise hw.StepFailed(context.asset_key.to_string(), "c could not be built", outputs=made)
    return made


abc = _subsettable(_abc)


@hw.asset
def after_b(b: int) -> int:
    return b + 1


@hw.check(asset="a")
def a_is_one(a: int) -> hw.CheckResult:
    return hw.CheckResult(passed=a == 1)


def _materialized(result: hw.RunResult) -> list[str]:
    return sorted(
        e.asset_key.to_string() for e in result.events if e.type is EventType.ASSET_MATERIALIZED and e.asset_key
    )


def test_a_subsettable_op_computes_only_the_selected_assets() -> None:
    defs = hw.Definitions(assets=[abc, after_b], checks=[a_is_one])
    result = hw.materialize(defs, select="b+")
    assert result.success
    assert _materialized(result) == ["after_b", "b"]
    assert result.value_of("after_b") == 2
    assert not [e for e in result.events if e.type is EventType.CHECK_EVALUATED]  # a's check: a did not run


def test_a_step_that_fails_after_some_outputs_records_them_and_fails_the_rest() -> None:
    defs = hw.Definitions(assets=[abc, after_b], checks=[a_is_one])
    result = hw.materialize(defs)
    assert not result.success
    assert _materialized(result) == ["a", "b"]
    [failed] = [e for e in result.events if e.type is EventType.STEP_FAILED]
    assert failed.data["asset_keys"] == ["c"]
    assert "c could not be built" in failed.data["error"]
    [checked] = [e for e in result.events if e.type is EventType.CHECK_EVALUATED]
    assert checked.data["passed"] is True
    skipped = [e for e in result.events if e.type is EventType.STEP_SKIPPED]
    assert [e.step_key for e in skipped] == ["after_b"]


def _looped(*, subsettable: bool) -> hw.Definitions:
    @hw.asset
    def between(a: int) -> int:
        return a

    @hw.multi_asset(outs={"a": None, "c": None}, deps=[])
    def _ac(context: hw.Context) -> dict[str, int]:
        return {key.name: 1 for key in context.asset_keys}

    ac = _subsettable(_ac) if subsettable else _ac
    looped = replace(ac.specs[1], deps=(hw.AssetKey("between"),))  # c reads between, which reads a
    return hw.Definitions(assets=[MultiAsset(op=ac.op, specs=(ac.specs[0], looped)), between])


def test_a_step_on_both_sides_of_another_step_is_refused_with_a_way_out() -> None:
    defs = _looped(subsettable=False)
    with pytest.raises(hw.CycleError) as caught:
        hw.materialize(defs)
    assert str(caught.value) == (
        "steps '_ac' -> 'between' -> '_ac' wait for each other: a step computes assets both upstream and "
        "downstream of 'between'; materialize them in separate runs (e.g. --select '+between' and then "
        "'between+'), or split the multi-asset"
    )


def test_a_subsettable_multi_asset_on_both_sides_of_another_step_is_split_into_two_steps() -> None:
    defs = _looped(subsettable=True)
    assert hw.materialize(defs, select="+between").materialized == [hw.AssetKey("a"), hw.AssetKey("between")]
    result = hw.materialize(defs)
    assert result.success
    made = {str(e.asset_key): e.step_key for e in result.events if e.type is EventType.ASSET_MATERIALIZED}
    assert made == {"a": "_ac", "between": "between", "c": "_ac_2"}


def test_a_split_step_that_would_take_the_name_of_another_computation() -> None:
    @hw.asset(name="_ac_2")
    def taken() -> int:
        return 1

    looped = _looped(subsettable=True)
    with pytest.raises(
        hw.DefinitionError,
        match=r"^multi-asset '_ac' \(.*\) must run in 2 steps, as assets downstream of it feed it again, and its "
        r"step '_ac_2' would take the name of another computation: rename that one with name=$",
    ):
        hw.AssetGraph.from_definitions(hw.Definitions(assets=[*looped.assets, taken]))
