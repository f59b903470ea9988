"""The README's "Alerts" section is real: its definitions and headwater.toml load, its alerts fire to
real servers on 127.0.0.1 (the example's URLs pointed at them), and every kind it names exists."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from alert_servers import http_receiver

import headwater as hw
from headwater.automation import Daemon
from headwater.definitions.alert import ALERT_KINDS
from headwater.instance.config import load_config

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    return README.read_text().split("## Alerts\n", 1)[1].split("\n## ", 1)[0]


def _block(language: str) -> str:
    [found] = re.findall(rf"```{language}\n(.*?)```", _section(), re.S)
    return str(found)


def test_every_kind_is_named_and_exists() -> None:
    named = re.findall(r"\(`([a-z_]+)`\)", _section())
    assert named == list(ALERT_KINDS)


def test_the_example_alerts_fire_and_resolve(instance: hw.Instance, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": "readme_alerts"}
    exec(compile(_block("python"), str(README), "exec"), namespace)
    defs = namespace["defs"]
    assert isinstance(defs, hw.Definitions)
    with http_receiver() as receiver:
        toml = _block("toml").replace("https://hooks.example.com/headwater", receiver.url("/pager"))
        toml = toml.replace("https://hooks.slack.com/services/T000/B000/XXXX", receiver.url("/team"))
        (tmp_path / "headwater.toml").write_text(toml)
        config = load_config(tmp_path).automation
        assert [rule.name for rule in config.alerts.alerts()] == ["blocking checks", "late days"]
        daemon = Daemon(instance.storage, defs, config=config, launch=False)
        daemon.tick(now=time.time() - 1)  # orders was never made: late, and its feed did not arrive

        @hw.asset(name="orders")
        def broken() -> list[dict]:
            raise RuntimeError("the shop database is down")

        failed = hw.materialize([broken], instance=instance)
        daemon.tick()
        made = hw.materialize(defs, instance=instance)
        daemon.tick()
    assert not failed.success and made.success
    seen = [(path, body.get("status") or body["text"].split("]")[0] + "]") for path, _, body in receiver.posts]
    assert seen == [
        ("/team", "[FIRING]"),
        ("/team", "[FIRING]"),
        ("/pager", "firing"),
        ("/pager", "resolved"),
        ("/team", "[RESOLVED]"),
        ("/team", "[RESOLVED]"),
    ]
    fired = receiver.posts[2][2]
    assert fired["url"] == f"https://headwater.example.com/runs/{failed.run_id}" and fired["alert"] == "on-call"
    texts = [body["text"] for path, _, body in receiver.posts if path == "/team"]
    assert texts[0].startswith("[FIRING] stale orders: orders is overdue: never materialized")
    assert texts[1].startswith("[FIRING] orders feed: orders: not_updated_within(2:00:00)")
    assert "<https://headwater.example.com/assets/orders|open in Headwater>" in texts[0]


def test_the_example_rules_say_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "headwater.toml").write_text(
        _block("toml").replace('on = "partition_overdue"', 'on = "partition_late"')
    )
    with pytest.raises(hw.ConfigError, match=r"unknown alert kind 'partition_late' \(did you mean 'partition_overdue'"):
        load_config(tmp_path)
