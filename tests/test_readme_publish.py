"""The README's "Publish only what passed" example is real code: run it and check what it prints,
and check that the commands it lists exist with the options it uses."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

README = Path(__file__).resolve().parents[1] / "README.md"


def _section() -> str:
    return README.read_text().split("## Publish only what passed", 1)[1].split("\n## ", 1)[0]


def test_publish_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    section = _section()
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    exec(compile(block, str(README), "exec"), {"__name__": "readme_publish"})
    printed = capsys.readouterr().out.splitlines()
    claimed = re.search(r"prints `(.*?)`, then `(.*?)`", section)
    assert claimed is not None
    assert printed == [claimed.group(1), claimed.group(2)]


def test_publish_commands_exist() -> None:
    from headwater.cli.main import cli

    commands = [line.split("  ")[0].split() for line in _section().splitlines() if line.startswith("headwater ")]
    assert [words[2] for words in commands] == ["staged", "publish", "discard"]
    for words in commands:
        command = cli.commands["assets"].commands[words[2]]  # type: ignore[attr-defined]
        options = {opt for param in command.params for opt in param.opts}
        assert all(word in options for word in words if word.startswith("--")), words
        assert CliRunner().invoke(cli, ["assets", words[2], "--help"]).exit_code == 0
