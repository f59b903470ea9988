"""What the CLI says about options it cannot use: bad tags, unreadable config files, option clashes."""

from __future__ import annotations

from pathlib import Path

from .helpers import flat, run


def test_a_tag_without_equals_shows_the_form(project: Path) -> None:
    result = run("materialize", "-f", str(project), "--tag", "team")
    assert result.exit_code == 2
    assert "Invalid value for --tag: 'team' is not KEY=VALUE (e.g. --tag team=finance)" in flat(result.output)


def test_a_config_file_that_is_not_utf8_is_named(project: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(b"model:\n  learning_rate: \xff\n")
    result = run("materialize", "-f", str(project), "--config", str(config))
    assert result.exit_code != 0
    assert f"cannot read run config file {config}: byte 24 is not UTF-8 text; save the file as UTF-8" in flat(
        result.output
    )


def test_a_queued_backfill_does_not_take_workers(project: Path) -> None:
    result = run("backfill", "-f", str(project), "--all", "--queue", "--workers", "2")
    assert result.exit_code == 2
    assert (
        "--workers sizes this process's pool; queued runs are launched by the daemon with the executor of your "
        "definitions: drop --workers or --queue"
    ) in flat(result.output)


def test_an_event_log_that_is_not_a_database_is_named(project: Path, home: Path) -> None:
    home.mkdir()
    (home / "headwater.db").write_text("not a database\n" * 100)
    result = run("runs", "list")
    assert result.exit_code == 2
    assert (
        f"error: the SQLite event log file {home / 'headwater.db'} is not a usable database (file is not a "
        "database): restore it from a backup, or move it away to start a new, empty event log there"
    ) in flat(result.output)
    assert "Traceback" not in result.output
