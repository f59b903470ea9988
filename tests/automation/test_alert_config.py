"""Every mistake in ``[alerts]`` of headwater.toml or in ``hw.Alert(...)`` is refused with a message
naming the file, the table or the alert, and what to write instead."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import headwater as hw
from headwater.automation import AutomationConfig, Daemon
from headwater.errors import ConfigError, DefinitionError
from headwater.instance.config import load_config


@hw.asset
def orders() -> int:
    return 1


def _error(tmp_path: Path, toml: str) -> str:
    (tmp_path / "headwater.toml").write_text(toml)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    text = str(raised.value)
    assert str(tmp_path / "headwater.toml") in text
    return text


def test_a_full_alerts_section_loads(tmp_path: Path) -> None:
    (tmp_path / "headwater.toml").write_text(
        '[alerts]\nbase_url = "https://hw.example.com"\n'
        '[alerts.targets.ops]\ntype = "slack"\nurl = "https://hooks.example.com/x"\n'
        '[alerts.targets.mail]\ntype = "email"\nhost = "smtp.example.com"\nstarttls = true\n'
        'from = "hw@example.com"\nto = "ops@example.com"\n'
        '[[alerts.rules]]\nname = "failures"\non = "run_failed"\ntargets = ["ops", "mail", "log"]\n'
        '[[alerts.rules]]\nname = "days"\non = "partition_overdue"\nafter = "PT3H"\n'
        '[[alerts.rules]]\nname = "feed"\non = "condition"\nselect = "orders"\nexpected_by = "0 9 * * *"\n'
    )
    alerts = load_config(tmp_path).alerts
    failures, days, feed = alerts.alerts()
    assert (failures.on, failures.targets) == ("run_failed", ("ops", "mail", "log"))
    assert days.after == timedelta(hours=3) and feed.condition == hw.AutomationCondition.expected_by("0 9 * * *")
    mail = alerts.declared_targets()["mail"]
    assert (mail.kind, mail.host, mail.port, mail.to, mail.starttls) == (
        "email",
        "smtp.example.com",
        587,
        ("ops@example.com",),
        True,
    )


def test_unknown_alert_kind(tmp_path: Path) -> None:
    text = _error(tmp_path, '[[alerts.rules]]\nname = "x"\non = "run_fail"\n')
    assert "alerts.rules.0.on" in text
    assert "unknown alert kind 'run_fail' (did you mean 'run_failed'?): write on = one of \"run_failed\"" in text


def test_bad_target_type_and_url(tmp_path: Path) -> None:
    text = _error(tmp_path, '[alerts.targets.ops]\ntype = "slak"\nurl = "https://x"\n')
    assert "alerts.targets.ops" in text and "unknown target type 'slak' (did you mean 'slack'?)" in text
    assert 'write type = "webhook" and url = "https://example.com/hook" or' in text
    text = _error(tmp_path, '[alerts.targets.ops]\ntype = "webhook"\nurl = "hooks.example.com"\n')
    assert "a webhook target needs an http(s) URL, got url = 'hooks.example.com'" in text


def test_missing_smtp_host(tmp_path: Path) -> None:
    text = _error(tmp_path, '[alerts.targets.mail]\ntype = "email"\nfrom = "a@b.c"\nto = ["d@e.f"]\n')
    assert "alerts.targets.mail" in text
    assert 'an email target needs the SMTP server: write host = "smtp.example.com"' in text
    text = _error(tmp_path, '[alerts.targets.mail]\ntype = "email"\nhost = "h"\nto = ["d@e.f"]\nusername = "u"\n')
    assert "an email target needs from = and to = addresses" in text


def test_unknown_target_name_and_missing_after(tmp_path: Path) -> None:
    text = _error(
        tmp_path,
        '[alerts.targets.ops]\ntype = "log"\n[[alerts.rules]]\nname = "x"\non = "run_failed"\ntargets = ["opps"]\n',
    )
    assert "[[alerts.rules]] 1 (name = 'x'): unknown target 'opps' (did you mean 'ops'?)" in text
    assert "declare it as [alerts.targets.opps]" in text
    text = _error(tmp_path, '[[alerts.rules]]\nname = "q"\non = "automation_idle"\n')
    assert "[[alerts.rules]] 1 (name = 'q'): on = \"automation_idle\" needs after = how long" in text
    text = _error(tmp_path, '[[alerts.rules]]\nname = "c"\non = "condition"\n')
    assert 'on = "condition" needs not_updated_within = "PT6H"' in text
    text = _error(
        tmp_path, '[[alerts.rules]]\nname = "c"\non = "run_failed"\n[[alerts.rules]]\nname = "c"\non = "check_failed"\n'
    )
    assert "[[alerts.rules]] 2 (name = 'c'): another rule has this name" in text


def test_mistakes_in_code() -> None:
    with pytest.raises(
        DefinitionError, match=r"hw.Alert\('a'\): unknown alert kind on='check_fail' \(did you mean 'check_failed'"
    ):
        hw.Alert("a", on="check_fail")  # type: ignore[arg-type]
    with pytest.raises(DefinitionError, match=r"on='partition_overdue' needs after= a positive timedelta"):
        hw.Alert("a", on="partition_overdue")
    with pytest.raises(DefinitionError, match=r"on='condition' needs condition="):
        hw.Alert("a", on="condition")
    with pytest.raises(DefinitionError, match=r"target 42 is not a target: use hw.AlertTarget.webhook"):
        hw.Alert("a", on="run_failed", targets=[42])  # type: ignore[list-item]
    with pytest.raises(DefinitionError, match=r"hw.AlertTarget.webhook: url must start with http:// or https://"):
        hw.AlertTarget.webhook("example.com")
    with pytest.raises(DefinitionError, match=r"hw.AlertTarget.email: host= is required"):
        hw.AlertTarget.email(host="", to=["a@b.c"], sender="d@e.f")
    with pytest.raises(DefinitionError, match=r"two alerts are named 'a'"):
        hw.Definitions(alerts=[hw.Alert("a", on="run_failed"), hw.Alert("a", on="check_failed")])
    with pytest.raises(DefinitionError, match=r"positive timedelta such as timedelta\(hours=6\)"):
        hw.AutomationCondition.not_updated_within(timedelta(0))


def test_unknown_target_or_selection_when_the_daemon_starts(instance: hw.Instance) -> None:
    defs = hw.Definitions(assets=[orders], alerts=[hw.Alert("a", on="run_failed", targets=["opps"])])
    with pytest.raises(DefinitionError) as raised:
        Daemon(instance.storage, defs, launch=False, config=AutomationConfig())
    assert "hw.Alert('a'): unknown target 'opps'; declare it in headwater.toml as [alerts.targets.opps]" in str(
        raised.value
    )
    defs = hw.Definitions(assets=[orders], alerts=[hw.Alert("b", on="asset_overdue", select="order")])
    with pytest.raises(DefinitionError) as raised:
        Daemon(instance.storage, defs, launch=False)
    assert "hw.Alert('b'): select='order':" in str(raised.value) and "did you mean 'orders'" in str(raised.value)
