"""Memoization: a memoized step whose code version and input versions are unchanged is not run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.events import EventType, StepSkipped


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def chain(calls: list[str], *, b_version: str = "1", memoize: bool | None = True) -> hw.Definitions:
    @hw.asset(code_version="1", memoize=memoize)
    def a() -> int:
        calls.append("a")
        return 1

    @hw.asset(code_version=b_version, memoize=memoize)
    def b(a: int) -> int:
        calls.append("b")
        return a + int(b_version)  # new code, new value: c's input changes too

    @hw.asset(code_version="1", memoize=memoize)
    def c(b: int) -> int:
        calls.append("c")
        return b * 10

    return hw.Definitions(assets=[a, b, c])


def unchanged(result: hw.RunResult) -> dict[str, StepSkipped]:
    out = {}
    for event in result.of_type(EventType.STEP_SKIPPED):
        payload = StepSkipped.from_data(event.data)
        if payload.unchanged:
            out[str(event.step_key)] = payload
    return out


def test_a_rerun_with_nothing_changed_runs_no_step(instance: hw.Instance) -> None:
    calls: list[str] = []
    first = instance.materialize(chain(calls))
    assert first.success and calls == ["a", "b", "c"]
    made = {str(e.asset_key): e for e in first.of_type(EventType.ASSET_MATERIALIZED)}

    second = instance.materialize(chain(calls))
    assert second.success
    assert calls == ["a", "b", "c"]
    assert second.of_type(EventType.ASSET_MATERIALIZED) == []
    assert second.of_type(EventType.STEP_STARTED) == []
    reused = unchanged(second)
    assert sorted(reused) == ["a", "b", "c"]
    for key, payload in reused.items():
        (value,) = payload.reused
        assert value.run_id == first.run_id
        assert value.data_version == made[key].data["data_version"]
    assert second.value_of("c") == 20
    assert instance.status(chain(calls)).state(hw.AssetKey("c")).status == "fresh"


def test_a_changed_code_version_runs_that_step_and_its_downstream(instance: hw.Instance) -> None:
    calls: list[str] = []
    instance.materialize(chain(calls))
    calls.clear()
    again = instance.materialize(chain(calls, b_version="2"))
    assert again.success
    assert calls == ["b", "c"]
    assert sorted(unchanged(again)) == ["a"]
    assert sorted(str(k) for k in again.materialized) == ["b", "c"]
    assert again.value_of("c") == 30


def test_force_runs_everything(instance: hw.Instance) -> None:
    calls: list[str] = []
    instance.materialize(chain(calls))
    calls.clear()
    forced = instance.materialize(chain(calls), memoize=False)
    assert calls == ["a", "b", "c"]
    assert unchanged(forced) == {}


def test_the_run_setting_memoizes_assets_that_do_not_say(instance: hw.Instance) -> None:
    calls: list[str] = []
    instance.materialize(chain(calls, memoize=None))
    calls.clear()
    instance.materialize(chain(calls, memoize=None))
    assert calls == ["a", "b", "c"]  # not memoized unless asked
    calls.clear()
    instance.materialize(chain(calls, memoize=None), memoize=True)
    assert calls == []
    calls.clear()
    defs = chain(calls, memoize=None)
    instance.materialize(hw.Definitions(assets=defs.assets, memoize=True))
    assert calls == []


def test_an_asset_saying_memoize_false_wins_over_definitions(instance: hw.Instance) -> None:
    calls: list[str] = []
    instance.materialize(chain(calls, memoize=False))
    calls.clear()
    instance.materialize(hw.Definitions(assets=chain(calls, memoize=False).assets, memoize=True))
    assert calls == ["a", "b", "c"]


def test_a_changed_parent_version_from_outside_the_run_reruns(instance: hw.Instance) -> None:
    calls: list[str] = []
    instance.materialize(chain(calls))
    instance.report("a", data_version="elsewhere")  # a new version of a, recorded outside the run
    calls.clear()
    rerun = instance.materialize(chain(calls), select="b+")
    assert rerun.success
    # b runs; it stores the same value (same hash) as before, so c's input is unchanged: the cut-off.
    assert calls == ["b"]
    assert sorted(unchanged(rerun)) == ["c"]


def test_memoize_without_a_code_version_takes_it_from_the_source(instance: hw.Instance, tmp_path: Path) -> None:
    module = tmp_path / "memo_source.py"

    def load(body: str) -> hw.Definitions:
        module.write_text(
            f"import headwater as hw\n\n@hw.asset(memoize=True)\ndef orders() -> int:\n    return {body}\n"
        )
        namespace: dict[str, object] = {}
        exec(compile(module.read_text(), str(module), "exec"), namespace)
        return hw.Definitions(assets=[namespace["orders"]])

    first = load("1")
    version = first.asset_specs[0].code_version
    assert version is not None and version.startswith("source:")
    assert instance.materialize(first).success
    same = load("1")
    assert same.asset_specs[0].code_version == version
    assert sorted(unchanged(instance.materialize(same))) == ["orders"]  # same source: reused
    edited = load("2")
    assert edited.asset_specs[0].code_version != version
    rerun = instance.materialize(edited)
    assert unchanged(rerun) == {}  # the function changed: it runs again
    assert instance.io_manager.load(hw.AssetKey("orders"), None) == 2


def test_memoize_where_the_source_cannot_be_read_is_refused() -> None:
    namespace: dict[str, object] = {"hw": hw}
    with pytest.raises(hw.DefinitionError) as info:
        exec("@hw.asset(memoize=True)\ndef orders() -> int:\n    return 1\n", namespace)  # no file to read
    message = str(info.value)
    assert "asset 'orders'" in message
    assert "takes its version from the function's source, which Python cannot read here" in message
    assert "add code_version='1' to @hw.asset" in message


def test_memoize_must_be_a_bool() -> None:
    with pytest.raises(hw.DefinitionError, match=r"memoize= takes True or False, got 'yes'"):
        hw.asset(name="orders", code_version="1", memoize="yes")(lambda: 1)  # type: ignore[arg-type]
    with pytest.raises(hw.DefinitionError, match=r"Definitions\(memoize=...\) takes True or False, got 1"):
        hw.Definitions(memoize=1)  # type: ignore[arg-type]


def test_a_single_partition_is_reused_only_where_it_was_made(instance: hw.Instance) -> None:
    calls: list[str] = []
    parts = hw.StaticPartitions(["p1", "p2"])

    @hw.asset(code_version="1", memoize=True, partitions=parts)
    def sales(context: hw.Context) -> str:
        calls.append(f"sales:{context.partition_key}")
        return context.partition_key

    @hw.asset(code_version="1", memoize=True, partitions=parts)
    def report(sales: str) -> str:
        calls.append("report")
        return sales.upper()

    defs = hw.Definitions(assets=[sales, report])
    assert instance.materialize(defs, partition="p1").success
    calls.clear()
    again = instance.materialize(defs, partition="p1")
    assert again.success and calls == []
    assert sorted(unchanged(again)) == ["report", "sales"]
    assert {e.partition for e in again.of_type(EventType.STEP_SKIPPED)} == {"p1"}
    assert again.value_of("report") == "P1"
    other = instance.materialize(defs, partition="p2")
    assert other.success and calls == ["sales:p2", "report"]


def test_a_value_with_a_failed_check_is_not_reused(instance: hw.Instance) -> None:
    calls: list[str] = []
    defs = chain(calls)
    a = defs.assets[0]

    @hw.check(asset=a, blocking=True)
    def a_is_big(a: int) -> hw.CheckResult:
        return hw.CheckResult(passed=a > 5)

    checked = hw.Definitions(assets=defs.assets, checks=[a_is_big])
    first = instance.materialize(checked)
    assert not first.success and calls == ["a"]
    calls.clear()
    again = instance.materialize(checked)
    # a runs again (its check too, failing again), and its blocking check still stops b and c
    assert not again.success and calls == ["a"]
    assert unchanged(again) == {}
    assert len(again.of_type(EventType.CHECK_EVALUATED)) == 1


def test_a_check_added_since_runs_the_asset_to_evaluate_it(instance: hw.Instance) -> None:
    calls: list[str] = []
    defs = chain(calls)
    instance.materialize(defs)
    c = defs.assets[2]

    @hw.check(asset=c)
    def c_is_positive(c: int) -> hw.CheckResult:
        return hw.CheckResult(passed=c > 0)

    calls.clear()
    again = instance.materialize(hw.Definitions(assets=defs.assets, checks=[c_is_positive]))
    assert again.success and calls == ["c"]
    assert sorted(unchanged(again)) == ["a", "b"]
    calls.clear()
    third = instance.materialize(hw.Definitions(assets=defs.assets, checks=[c_is_positive]))
    assert third.success and calls == []


def test_a_mapped_input_is_compared_at_the_partitions_it_reads(instance: hw.Instance) -> None:
    calls: list[str] = []
    days = hw.DailyPartitions(start="2026-01-01", end="2026-01-10")
    versions = {"2026-01-03": "a", "2026-01-04": "a"}

    @hw.asset(code_version="1", partitions=days)
    def raw(context: hw.Context) -> hw.Output:
        return hw.Output(context.partition_key, data_version=versions[context.partition_key])

    @hw.asset(
        code_version="1",
        memoize=True,
        partitions=days,
        partition_mappings={"raw": hw.TimeWindowMapping(start_offset=-1, end_offset=-1)},
    )
    def day_after(context: hw.Context, raw: str) -> str:
        calls.append(context.partition_key)
        return raw

    defs = hw.Definitions(assets=[raw, day_after])
    for day in ("2026-01-03", "2026-01-04"):
        assert instance.materialize(defs, "raw", partition=day).success
    assert instance.materialize(defs, "day_after", partition="2026-01-04").success
    [made] = instance.materialize(defs, "day_after", partition="2026-01-04").of_type(EventType.STEP_SKIPPED)
    assert made.step_key == "day_after"  # nothing changed: reused
    versions["2026-01-04"] = "b"  # the partition it does not read changes: still reused
    assert instance.materialize(defs, "raw", partition="2026-01-04").success
    assert unchanged(instance.materialize(defs, "day_after", partition="2026-01-04"))
    versions["2026-01-03"] = "b"  # the day before, which it reads, changes: it runs
    assert instance.materialize(defs, "raw", partition="2026-01-03").success
    calls.clear()
    rerun = instance.materialize(defs, "day_after", partition="2026-01-04")
    assert rerun.success and calls == ["2026-01-04"] and not unchanged(rerun)
    [stamped] = [e for e in rerun.of_type(EventType.ASSET_MATERIALIZED) if str(e.asset_key) == "day_after"]
    assert stamped.data["inputs"] == {"raw": "b"}


def test_an_unpartitioned_summary_reruns_when_any_partition_it_reads_changes(instance: hw.Instance) -> None:
    calls: list[str] = []
    parts = hw.StaticPartitions(["p1", "p2", "p3"])
    keys = ["p1", "p2", "p3"]
    versions = dict.fromkeys(keys, "1")

    @hw.asset(code_version="1", partitions=parts)
    def piece(context: hw.Context) -> hw.Output:
        return hw.Output(context.partition_key, data_version=versions[context.partition_key])

    @hw.asset(code_version="1", memoize=True)
    def summary(piece: dict[str, str]) -> int:
        calls.append("summary")
        return len(piece)

    defs = hw.Definitions(assets=[piece, summary])
    for key in keys:
        assert instance.materialize(defs, "piece", partition=key).success
    assert instance.materialize(defs, "summary").success
    assert "summary" in unchanged(instance.materialize(defs, "summary"))
    versions["p2"] = "2"
    assert instance.materialize(defs, "piece", partition="p2").success
    calls.clear()
    rerun = instance.materialize(defs, "summary")
    assert rerun.success and calls == ["summary"] and not unchanged(rerun)
    assert "summary" in unchanged(instance.materialize(defs, "summary"))


class _Unhashed(hw.IOManager):
    """Keeps values in a dict and gives no content hash of them."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str | None], object] = {}

    def save(self, key: hw.AssetKey, partition: str | None, value: object) -> dict[str, object]:
        self.values[(str(key), partition)] = value
        return {}

    def load(self, key: hw.AssetKey, partition: str | None) -> object:
        return self.values[(str(key), partition)]

    def exists(self, key: hw.AssetKey, partition: str | None) -> bool:
        return (str(key), partition) in self.values


def test_memoize_on_an_io_manager_that_cannot_verify_values_is_refused(instance: hw.Instance) -> None:
    calls: list[str] = []

    @hw.asset(code_version="1", memoize=True, io_manager="unhashed")
    def a() -> int:
        calls.append("a")
        return 1

    @hw.asset(code_version="1", io_manager="unhashed")
    def b(a: int) -> int:
        calls.append("b")
        return a

    refused = hw.Definitions(assets=[a, b], io_managers={"unhashed": _Unhashed()})
    with pytest.raises(hw.ConfigError) as caught:
        instance.materialize(refused)
    assert str(caught.value) == (
        "asset 'a' says memoize=True, but its IO manager _Unhashed cannot tell whether a stored value is the one "
        "recorded (its save returns no content hash), so a reused value might be another: return {'hash': ...} "
        "from save and set verifies_values = True on the IO manager, use a built-in one (filesystem, Parquet, "
        "DuckDB), or drop memoize=True"
    )
    assert instance.storage.list_runs() == [] and calls == []  # refused before anything was recorded

    @hw.asset(code_version="1", io_manager="unhashed")
    def c() -> int:
        calls.append("c")
        return 1

    loose = hw.Definitions(assets=[c], io_managers={"unhashed": _Unhashed()})
    for _ in range(2):  # a run-wide --memoize leaves such an asset to run, every time
        assert instance.materialize(loose, memoize=True).success
    assert calls == ["c", "c"]


def test_a_multi_asset_is_reused_only_when_every_output_stands(instance: hw.Instance) -> None:
    calls: list[str] = []

    def project(version: str) -> hw.Definitions:
        @hw.asset(code_version=version, memoize=True)
        def feed() -> int:
            calls.append("feed")
            return 2

        @hw.multi_asset(outs={"left": None, "right": None}, code_version="1", memoize=True)
        def pair(feed: int) -> dict[str, int]:
            calls.append("pair")
            return {"left": feed, "right": feed * 2}

        @hw.asset(code_version="1", memoize=True)
        def total(left: int, right: int) -> int:
            calls.append("total")
            return left + right

        return hw.Definitions(assets=[feed, pair, total])

    assert instance.materialize(project("1")).success and calls == ["feed", "pair", "total"]
    again = instance.materialize(project("1"))
    assert again.success and calls == ["feed", "pair", "total"]
    assert sorted(unchanged(again)) == ["feed", "pair", "total"]
    assert sorted(v.asset_key.to_string() for v in unchanged(again)["pair"].reused) == ["left", "right"]
    # new code for feed, same value: feed runs, its data version stands, so pair and total are cut off
    cut = instance.materialize(project("2"))
    assert cut.success and calls == ["feed", "pair", "total", "feed"]
    assert sorted(unchanged(cut)) == ["pair", "total"]
    assert cut.value_of("total") == 6
