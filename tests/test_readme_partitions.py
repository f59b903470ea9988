"""The README's partitions example is real code: declare it and run a partition of it."""

import re
from pathlib import Path

import headwater as hw

README = Path(__file__).resolve().parents[1] / "README.md"


def test_partitions_example_runs() -> None:
    blocks = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if "partitions=" in b]
    assert blocks, "the README has a partitions example"
    namespace: dict[str, object] = {"__name__": "readme_partitions", "hw": hw}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    defs = hw.Definitions(assets=[namespace["events"], namespace["weekly"], namespace["rolling_week"]])
    result = hw.materialize(defs, "events", partition="2026-01-05")
    assert result.value_of("events") == [{"day": "2026-01-05"}]


def test_partitions_example_backfill_leaves_out_the_unfinished_week(tmp_path: Path) -> None:
    from headwater.instance.backfill import create_backfill
    from headwater.instance.backfill_run import run_backfill

    blocks = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if "partitions=" in b]
    namespace: dict[str, object] = {"__name__": "readme_partitions", "hw": hw}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    defs = hw.Definitions(assets=[namespace["events"], namespace["weekly"]])
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        record, the_plan = create_backfill(
            instance, defs, None, mode="partitions", partitions="2026-01-05...2026-01-14"
        )
        assert [list(g.partition_keys)[-1] for g in the_plan.groups] == ["2026-01-14", "2026-01-05"]
        assert [item.describe().split(" left out: ")[0] for item in the_plan.left_out] == ["asset 'weekly': 2026-01-12"]
        assert run_backfill(instance, defs, record.backfill_id).succeeded == 10 + 1
