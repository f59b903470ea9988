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
