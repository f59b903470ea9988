"""The README's "Trust your data" example is real code: run it and check what it claims."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_trust_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    section = README.read_text().split("## Trust your data", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    namespace: dict[str, object] = {"__name__": "readme_trust"}
    exec(compile(block, str(README), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("stale ")
    assert (
        "upstream 'shop/export' (1 level up) has a newer data version (2026-01-06T06:00) than the one consumed"
        in (printed[0])
    )
    assert printed[1] == "2026-01-05T06:00 since replaced"


def test_trust_commands_exist() -> None:
    import click
    from click.testing import CliRunner

    from headwater.cli.main import cli

    section = README.read_text().split("## Trust your data", 1)[1].split("## Selection language", 1)[0]
    commands = [line.split("  ")[0].split() for line in section.splitlines() if line.startswith("headwater ")]
    assert len(commands) == 9
    for words in commands:
        group: click.Command = cli
        path: list[str] = []
        for word in words[1:]:
            sub = group.commands.get(word) if isinstance(group, click.Group) else None
            if sub is None:
                break
            group = sub
            path.append(word)
        options = {opt for param in group.params for opt in param.opts}
        for word in words:
            if word.startswith("--"):
                assert word in options, f"{' '.join(words)}: {word} is not an option of {group.name}"
        assert CliRunner().invoke(cli, [*path, "--help"]).exit_code == 0, words
