"""The command group: help texts, version, error handling and the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from headwater import __version__
from headwater.cli.main import cli
from headwater.errors import SelectionError

from .helpers import flat, invoke, run

HEADWATER = Path(sys.executable).parent / "headwater"


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    stack: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    while stack:
        where, command = stack.pop()
        yield where, command
        if isinstance(command, click.Group):
            stack.extend(((*where, name), sub) for name, sub in command.commands.items())


def test_every_command_has_help() -> None:
    seen = []
    for path, command in _commands(cli):
        result = run(*path, "--help", ok=True)
        assert command.help, f"{' '.join(path) or 'headwater'} has no help text"
        description = flat(command.help.split("\n\n")[0])
        assert description in flat(result.output), path
        seen.append(" ".join(path))
    assert {
        "materialize",
        "assets list",
        "assets show",
        "assets lineage",
        "runs list",
        "runs show",
        "runs logs",
    } <= set(seen)
    assert {"check", "migrate"} <= set(seen)


def test_version() -> None:
    assert run("--version", ok=True).output.strip() == f"headwater {__version__}"


def test_headwater_error_is_a_short_message_with_exit_2(project: Path) -> None:
    result = invoke(["materialize", "-f", str(project), "--select", "ordrs"])
    assert result.exit_code == 2
    assert "error: no asset 'ordrs' (did you mean 'orders'?)" in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_the_exception(project: Path) -> None:
    result = invoke(["--debug", "materialize", "-f", str(project), "--select", "ordrs"])
    assert isinstance(result.exception, SelectionError)


def test_console_script_runs_and_fails_cleanly(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HEADWATER_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [str(HEADWATER), "materialize", "-f", str(project), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"status": "succeeded"' in done.stdout
    bad = subprocess.run(
        [str(HEADWATER), "materialize", "-f", str(tmp_path / "missing.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert bad.returncode == 2
    assert "error: definitions file" in bad.stderr and "does not exist" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", [["--help"], ["runs", "--help"]])
def test_help_does_not_import_rich_or_yaml(command: list[str]) -> None:
    code = (
        "import sys; from headwater.cli.main import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('rich.console', 'yaml', 'rich.progress') if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"
