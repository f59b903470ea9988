"""What Instance runs, backfills and re-executions say when the definitions or arguments do not fit."""

from __future__ import annotations

import pytest

import headwater as hw
from headwater.instance.backfill import create_backfill
from headwater.instance.backfill_run import run_backfill

DAILY = hw.DailyPartitions(start="2026-01-01", end="2026-01-05")


class Broken(hw.Resource):
    def setup(self) -> None:
        raise RuntimeError("no route to the warehouse")


class Limits(hw.Config):
    k: int


@hw.asset(partitions=DAILY)
def daily() -> int:
    return 1


@hw.asset
def plain() -> int:
    return 1


def test_a_resource_failing_in_setup_is_named_with_the_fix() -> None:
    @hw.asset
    def loaded(db: Broken) -> int:
        return 1

    with pytest.raises(
        hw.ConfigError,
        match=r"^resource 'db' failed in setup\(\): RuntimeError: no route to the warehouse; fix the resource's "
        r"settings in Definitions\(resources=\.\.\.\) or what its setup\(\) connects to$",
    ):
        hw.Instance.ephemeral().materialize(hw.Definitions(assets=[loaded], resources={"db": Broken()}))


def test_an_io_manager_that_is_not_one_is_refused() -> None:
    @hw.asset(io_manager="lake")
    def stored() -> int:
        return 1

    with pytest.raises(
        hw.ConfigError,
        match=r"^io_managers\['lake'\] is int, not an IO manager: subclass headwater.io.IOManager$",
    ):
        hw.Instance.ephemeral().materialize(hw.Definitions(assets=[stored], io_managers={"lake": 3}))  # type: ignore[dict-item]


def test_invalid_run_config_says_where_to_give_it() -> None:
    @hw.asset
    def model(config: Limits) -> int:
        return config.k

    with pytest.raises(
        hw.ConfigError,
        match=r"^run config for 'model' is invalid \(Limits\): k: Input should be a valid integer.*; give it under "
        r"'model:' in --config \(YAML\) or config=\{'model': \{\.\.\.\}\}$",
    ):
        hw.Instance.ephemeral().materialize(hw.Definitions(assets=[model]), config={"model": {"k": "many"}})


def test_a_multi_asset_missing_an_output_fails_its_step() -> None:
    @hw.multi_asset(outs={"left": hw.AssetOut(), "right": hw.AssetOut()})
    def split() -> dict[str, int]:
        return {"left": 1}

    instance = hw.Instance.ephemeral()
    result = instance.materialize(hw.Definitions(assets=[split]))
    assert not result.success
    assert instance.failed_step_errors(result.run_id) == [
        "multi-asset 'split' returned no value for output(s) right; return a dict with keys left, right"
    ]


def test_a_partition_and_a_range_together_are_refused() -> None:
    with pytest.raises(hw.SelectionError, match=r"^give either a partition or a range of partition keys, not both$"):
        hw.Instance.ephemeral().materialize(
            hw.Definitions(assets=[daily]), partition="2026-01-01", partition_keys=["2026-01-02"]
        )


def test_backfill_arguments_that_name_no_partitions() -> None:
    instance = hw.Instance.ephemeral()
    defs = hw.Definitions(assets=[daily])
    with pytest.raises(
        hw.SelectionError, match=r"^backfill mode 'some' is not one of partitions, all, missing, failed$"
    ):
        create_backfill(instance, defs, None, mode="some")
    with pytest.raises(hw.SelectionError, match=r"^no partitions given in ',': write KEY, START\.\.\.END or a list$"):
        create_backfill(instance, defs, None, mode="partitions", partitions=",")
    with pytest.raises(
        hw.SelectionError,
        match=r"^partition range 'monday\.\.\.friday' is not keys of asset 'daily' \(DailyPartitions from 2026-01-01 "
        r"to before 2026-01-05 00:00 \(UTC\)\) nor two dates$",
    ):
        create_backfill(instance, defs, None, mode="partitions", partitions="monday...friday")


def test_a_backfill_whose_assets_went_away_cannot_resume() -> None:
    instance = hw.Instance.ephemeral()
    record, _ = create_backfill(instance, hw.Definitions(assets=[daily, plain]), "daily", mode="all")
    with pytest.raises(
        hw.SelectionError,
        match=rf"^backfill {record.backfill_id[:8]} includes assets that are no longer defined \(daily\); restore "
        "them, or start a new backfill$",
    ):
        run_backfill(instance, hw.Definitions(assets=[plain]), record.backfill_id)


def test_a_backfill_whose_assets_are_grouped_differently_cannot_resume() -> None:
    @hw.asset(partitions=hw.StaticPartitions(["2026-01-01", "2026-01-02"]))
    def region() -> int:
        return 1

    @hw.asset(partitions=DAILY, name="region")
    def region_daily() -> int:
        return 1

    instance = hw.Instance.ephemeral()
    record, _ = create_backfill(instance, hw.Definitions(assets=[daily, region]), None, mode="all")
    with pytest.raises(
        hw.SelectionError,
        match=rf"^the definitions changed since backfill {record.backfill_id[:8]} was made \(assets daily, region "
        r"are now grouped differently\); start a new backfill$",
    ):
        run_backfill(instance, hw.Definitions(assets=[daily, region_daily]), record.backfill_id)


def test_reexecuting_a_range_run_whose_assets_are_no_longer_partitioned() -> None:
    @hw.asset(partitions=DAILY)
    def ranged(context: hw.Context) -> dict[str, int]:
        return dict.fromkeys(context.partition_keys, 1)

    instance = hw.Instance.ephemeral()
    parent = instance.materialize(hw.Definitions(assets=[ranged]), partition="2026-01-01...2026-01-02")
    assert parent.success

    @hw.asset(name="ranged")
    def unpartitioned() -> int:
        return 1

    with pytest.raises(
        hw.SelectionError,
        match=rf"^run '{parent.run_id}' ran over partitions 2026-01-01\.\.\.2026-01-02, but none of the assets to "
        "re-run is partitioned any more; materialize them with --select instead$",
    ):
        instance.reexecute(hw.Definitions(assets=[unpartitioned]), parent.run_id, from_failure=False)
