"""hw.SparkResource and hw.SparkParquetIOManager on a real local Spark session (one per module)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyspark import SparkContext
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import headwater as hw
from headwater.errors import IOManagerError

CONF = {
    "spark.ui.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "2",
}


@pytest.fixture(scope="module")
def session() -> Iterator[SparkSession]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master("local[1]").appName("headwater-tests")
        for name, value in CONF.items():
            builder = builder.config(name, value)
        spark = builder.getOrCreate()
        yield spark
        spark.stop()


@pytest.fixture
def spark(session: SparkSession) -> hw.SparkResource:
    return hw.SparkResource(master="local[1]", app_name="headwater-tests", conf=CONF)


@hw.asset(io_manager="lake")
def numbers(spark: hw.SparkResource) -> Any:
    return spark.session.range(10).withColumn("square", F.col("id") * F.col("id"))


@hw.asset(io_manager="lake")
def evens(numbers: Any) -> Any:
    return numbers.where(F.col("id") % 2 == 0)


def _defs(spark: hw.SparkResource, lake: Path, *assets: Any) -> hw.Definitions:
    return hw.Definitions(
        assets=list(assets) or [numbers, evens],
        resources={"spark": spark},
        io_managers={"lake": hw.SparkParquetIOManager(lake)},
    )


def test_assets_write_and_read_spark_dataframes_as_parquet(spark: hw.SparkResource, tmp_path: Path) -> None:
    result = hw.materialize(_defs(spark, tmp_path / "lake"), raise_on_error=True)
    assert result.metadata_of("numbers")["rows"] == 10
    assert result.metadata_of("numbers")["schema"] == {"id": "bigint", "square": "bigint"}
    assert result.metadata_of("evens")["rows"] == 5
    assert result.metadata_of("evens")["path"] == str(tmp_path / "lake" / "evens.parquet")
    loaded = result.value_of("evens")
    assert sorted(r.square for r in loaded.collect()) == [0, 4, 16, 36, 64]
    assert sorted(p.name for p in (tmp_path / "lake").iterdir()) == ["evens.parquet", "numbers.parquet"]
    # the run did not stop a session it did not start
    assert SparkContext._active_spark_context is not None


def test_partitions_are_folders_of_their_own(spark: hw.SparkResource, tmp_path: Path) -> None:
    @hw.asset(io_manager="lake", partitions=hw.StaticPartitions(["eu", "us"]))
    def sales(context: hw.Context, spark: hw.SparkResource) -> Any:
        return spark.session.createDataFrame([(context.partition_key, 1.5)], "region string, amount double")

    manager = hw.SparkParquetIOManager(tmp_path)
    for region in ("eu", "us"):
        hw.materialize(_defs(spark, tmp_path, sales), partition=region, raise_on_error=True)
    assert sorted(p.name for p in (tmp_path / "sales.parts").iterdir()) == ["eu.parquet", "us.parquet"]
    assert [r.region for r in manager.load(hw.AssetKey("sales"), "us").collect()] == ["us"]
    assert manager.exists(hw.AssetKey("sales"), "eu")
    assert not manager.exists(hw.AssetKey("sales"), "asia")


def test_a_failed_write_keeps_the_previous_value(session: SparkSession, tmp_path: Path) -> None:
    manager = hw.SparkParquetIOManager(tmp_path)
    key = hw.AssetKey("mart", "scores")
    manager.save(key, None, session.createDataFrame([(1,)], "score int"))

    failing = F.when(F.col("score") > 1, F.raise_error(F.lit("no scores today"))).otherwise(F.col("score"))
    broken = session.createDataFrame([(2,)], "score int").withColumn("score", failing.cast("int"))
    with pytest.raises(IOManagerError) as caught:
        manager.save(key, None, broken)
    assert str(caught.value).startswith(f"asset 'mart/scores': cannot write its Spark DataFrame to {tmp_path}/mart/")
    assert str(caught.value).endswith("the previous value was kept")
    assert [r.score for r in manager.load(key, None).collect()] == [1]
    assert sorted(p.name for p in (tmp_path / "mart").iterdir()) == ["scores.parquet"]  # no temporary folder left


def test_an_overwrite_replaces_the_whole_folder(session: SparkSession, tmp_path: Path) -> None:
    manager = hw.SparkParquetIOManager(tmp_path)
    key = hw.AssetKey("counts")
    manager.save(key, None, session.range(100).repartition(4))
    metadata = manager.save(key, None, session.range(3))
    assert metadata["metadata"]["rows"] == 3
    assert manager.load(key, None).count() == 3
    assert [p.name for p in tmp_path.iterdir()] == ["counts.parquet"]


def test_values_other_than_spark_dataframes_are_refused_naming_the_asset(session: SparkSession, tmp_path: Path) -> None:
    manager = hw.SparkParquetIOManager(tmp_path)
    with pytest.raises(IOManagerError, match=r"asset 'rows': SparkParquetIOManager stores Spark DataFrames"):
        manager.save(hw.AssetKey("rows"), None, [{"a": 1}])
    with pytest.raises(IOManagerError, match=r"asset 'never' has no Parquet folder at .*: materialize it first"):
        manager.load(hw.AssetKey("never"), None)


def test_missing_pyspark_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if pyspark were not installed
    with pytest.raises(
        hw.ConfigError,
        match=r"SparkResource needs pyspark.sql, which is not installed: pip install 'headwater\[spark\]'",
    ):
        _ = hw.SparkResource().session


def test_a_resource_stops_the_session_it_started_when_the_run_ends(session: SparkSession, tmp_path: Path) -> None:
    session.stop()  # last test of the module: the resource starts a session of its own
    assert SparkContext._active_spark_context is None
    resource = hw.SparkResource(master="local[1]", app_name="headwater-own", conf=CONF)
    result = hw.materialize(_defs(resource, tmp_path, numbers), raise_on_error=True)
    assert result.metadata_of("numbers")["rows"] == 10
    assert SparkContext._active_spark_context is None


def test_a_value_held_back_by_its_check_stays_staged(spark: hw.SparkResource, tmp_path: Path) -> None:
    limit = {"rows": 100}

    @hw.asset(io_manager="lake", publish="after_checks")
    def counted(spark: hw.SparkResource) -> Any:
        return spark.session.range(limit["rows"] // 10)

    @hw.check(asset="counted", blocking=True)
    def small(counted: Any) -> hw.CheckResult:
        return hw.CheckResult(passed=counted.count() <= 5)

    lake = tmp_path / "lake"
    defs = hw.Definitions(
        assets=[counted],
        checks=[small],
        resources={"spark": spark},
        io_managers={"lake": hw.SparkParquetIOManager(lake)},
    )
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as instance:
        limit["rows"] = 50
        assert instance.materialize(defs).success
        limit["rows"] = 80
        refused = instance.materialize(defs)
        assert not refused.success
        manager = defs.io_managers["lake"]
        assert manager.load(hw.AssetKey("counted"), None).count() == 5  # the published value stands
        staged = lake / f"counted.parquet.{refused.run_id}.staged"
        assert staged.is_dir()
        assert manager.load_staged(hw.AssetKey("counted"), None, refused.run_id).count() == 8
        instance.settle_staged(defs, "counted", publish=True)
        assert manager.load(hw.AssetKey("counted"), None).count() == 8
        assert not staged.exists()
