"""The README's quickstart is real code: run it."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has a python quickstart block"
    namespace: dict[str, object] = {"__name__": "readme_quickstart"}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    result = namespace["result"]
    assert getattr(result, "success", False) is True
