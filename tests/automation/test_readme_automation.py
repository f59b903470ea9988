"""The README's "Automation" section is real: its definitions tick as it says, its headwater.toml
is valid, and its commands and options exist."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import headwater as hw
from headwater.automation import Daemon
from headwater.automation.conditions import detail_tree
from headwater.cli.main import cli
from headwater.instance.config import load_config
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    return README.read_text().split("## Automation\n", 1)[1].split("\n## ", 1)[0]


def _block(language: str) -> str:
    [found] = re.findall(rf"```{language}\n(.*?)```", _section(), re.S)
    return str(found)


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_the_example_ticks_as_described(instance: hw.Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inbox").mkdir()
    namespace: dict[str, object] = {"__name__": "readme_automation"}
    exec(compile(_block("python"), str(README), "exec"), namespace)
    defs = namespace["defs"]
    assert isinstance(defs, hw.Definitions)
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=_at("2026-03-04T12:00:00"))
    daemon.tick(now=_at("2026-03-05T00:10:30"))
    runs = {
        r.run.tags.get("headwater/schedule") or r.run.tags.get("headwater/sensor") or "conditions": r.run
        for r in RunQueueStore(instance.storage).queue(launched=False)
    }
    assert runs["nightly_orders"].partition == "2026-03-04"  # yesterday's partition at 00:10
    assert runs["crm_export"].selection == "customers"
    # Sensors tick before conditions: customers is already in crm_export's run, so on_missing does not
    # request it again, and segments waits for it (its upstream is missing and not requested).
    assert "conditions" not in runs
    [why] = AutomationStore(instance.storage).evaluations(hw.AssetKey("customers"))
    tree = detail_tree(why["detail"])
    assert why["requested"] is False and tree["condition"] == "(on_missing | check_failed)"


def test_the_configuration_is_valid(tmp_path: Path) -> None:
    (tmp_path / "headwater.toml").write_text(_block("toml"))
    config = load_config(tmp_path)
    assert config.runs.pools == {"warehouse": 2} and config.runs.tag_limits == {"team=finance": 1, "customer": 2}
    assert config.retention.keep_runs == 10000 and config.alerts.webhook == "https://hooks.example.com/headwater"
    assert config.daemon.queue_poll == 0.1 and config.runs.spare_workers == 1


def test_the_commands_exist() -> None:
    lines = [line.split("   ")[0] for line in _section().splitlines() if line.startswith("headwater ")]
    assert len(lines) == 12
    for line in lines:
        command = [word for word in line.split()[1:] if re.fullmatch(r"[a-z]+", word)]
        shown = CliRunner().invoke(cli, [*command, "--help"], terminal_width=200)
        assert shown.exit_code == 0, line
        for option in re.findall(r"--[a-z-]+", line):
            assert option in shown.output, f"{line}: `headwater {' '.join(command)}` has no {option}"
