"""What the asset, check and sensor decorators, Definitions and executors say about wrong arguments."""

from __future__ import annotations

from typing import Any

import pytest

import headwater as hw


def _orders() -> int:
    return 1


class Settings(hw.Config):
    limit: int = 3


def test_deps_and_ins_of_the_wrong_shape_show_the_right_one() -> None:
    with pytest.raises(hw.DefinitionError, match=r"asset '_orders': deps must be a list, e.g. deps=\['raw/orders'\]"):
        hw.asset(deps="raw/orders")(_orders)
    with pytest.raises(
        hw.DefinitionError,
        match=r"asset '_orders': ins must map parameter names to asset keys, e.g. ins=\{'o': 'raw/orders'\}",
    ):
        hw.asset(ins=["raw/orders"])(_orders)  # type: ignore[arg-type]


def test_a_decorator_on_something_not_callable_says_to_put_it_on_a_def() -> None:
    with pytest.raises(hw.DefinitionError, match=r"^@hw.asset decorates a function; got int 3: put it on a def$"):
        hw.asset(3)  # type: ignore[call-overload]
    with pytest.raises(hw.DefinitionError, match=r"^@hw.sensor decorates a function; got str 'x': put it on a def$"):
        hw.sensor(select="*")("x")  # type: ignore[arg-type]


def test_parameters_headwater_cannot_pass_by_name_are_refused() -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=r"cannot read the signature of asset 'max' .*no signature found.*; wrap it in a def whose parameters",
    ):
        hw.asset(max)

    def positional(orders: int, /) -> int:
        return orders

    with pytest.raises(
        hw.DefinitionError,
        match=r"asset 'positional' \(.*test_declared.py:\d+\): parameter 'orders' is positional-only; "
        "Headwater passes inputs by name",
    ):
        hw.asset(positional)

    def star(*orders: int) -> int:
        return 0

    with pytest.raises(hw.DefinitionError, match=r"has \*args or \*\*kwargs \('orders'\); name each input"):
        hw.asset(star)


def test_ins_naming_no_parameter_lists_the_parameters() -> None:
    def revenue(orders: int) -> int:
        return orders

    with pytest.raises(
        hw.DefinitionError,
        match=r"asset 'revenue' \(.*\): ins= names ordrs, which is not a parameter of the function; parameters are: "
        "orders$",
    ):
        hw.asset(ins={"ordrs": "raw/orders"})(revenue)


def test_two_config_parameters_are_refused() -> None:
    def model(a: Settings, b: Settings) -> int:
        return a.limit + b.limit

    with pytest.raises(
        hw.DefinitionError,
        match=r"asset 'model' \(.*\) has more than one hw.Config parameter; merge them into one model",
    ):
        hw.asset(model)


def test_row_count_with_min_above_max_says_to_swap() -> None:
    with pytest.raises(hw.DefinitionError, match=r"^hw.checks.row_count: min=5 is above max=1; swap them$"):
        hw.checks.row_count("orders", min=5, max=1)


def test_dask_executor_sizes_must_be_positive() -> None:
    with pytest.raises(hw.DefinitionError, match=r"^DaskExecutor\(threads_per_worker=0\): use 1 or more$"):
        hw.DaskExecutor(threads_per_worker=0)
    with pytest.raises(
        hw.DefinitionError, match=r"^DaskExecutor\(connect_timeout=0\): use a positive number of seconds$"
    ):
        hw.DaskExecutor(connect_timeout=0)


def test_definitions_items_of_the_wrong_type_say_what_to_pass() -> None:
    items: list[Any] = [3]
    with pytest.raises(
        hw.DefinitionError,
        match=r"Definitions\(assets=\.\.\.\) item 0 is int 3, not an asset: pass functions decorated with @hw.asset",
    ):
        hw.Definitions(assets=items)
    with pytest.raises(
        hw.DefinitionError,
        match=r"Definitions\(checks=\.\.\.\) item 0 is int, not a check: decorate the function with @hw.check",
    ):
        hw.Definitions(checks=items)
    with pytest.raises(
        hw.DefinitionError,
        match=r"Definitions\(schedules=\.\.\.\) item 0 is str 'x': pass hw.Schedule\('name', cron=\.\.\.\)",
    ):
        hw.Definitions(schedules=["x"])  # type: ignore[list-item]


def test_a_key_that_is_not_a_key_shows_the_forms_of_one() -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=r"cannot use 3 in asset_sensor 'fresh' as an asset key: pass 'a/b', \('a', 'b'\) or AssetKey\('a', 'b'\)",
    ):
        hw.asset_sensor("fresh", asset=3, select="*")  # type: ignore[arg-type]


def test_schedule_and_sensor_arguments_of_the_wrong_type() -> None:
    with pytest.raises(hw.DefinitionError, match=r"^hw.Schedule name must be a string such as 'nightly', got 3$"):
        hw.Schedule(3, cron="0 * * * *", select="*")  # type: ignore[arg-type]
    with pytest.raises(
        hw.DefinitionError,
        match=r"schedule 'n': config= must map asset keys to settings, e.g. \{'model': \{'k': 1\}\}",
    ):
        hw.Schedule("n", cron="0 * * * *", select="*", config=[1])  # type: ignore[arg-type]
    with pytest.raises(
        hw.DefinitionError,
        match=r"schedule 'n': missed_ticks='x' must be one of 'latest', 'all', 'skip' "
        r"\('latest' runs the latest missed tick once\)",
    ):
        hw.Schedule("n", cron="0 * * * *", select="*", missed_ticks="x")  # type: ignore[arg-type]
    with pytest.raises(
        hw.DefinitionError,
        match=r"hw.SensorResult: run_requests item 0 is str, not hw.RunRequest\(select=\.\.\., partition=\.\.\.\)",
    ):
        hw.SensorResult(run_requests=["orders"])  # type: ignore[list-item]
    with pytest.raises(hw.DefinitionError, match=r"^file_sensor 'drops': folder= must be a path to a folder$"):
        hw.file_sensor("drops", folder="", select="*")
