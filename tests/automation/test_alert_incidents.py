"""Alerts as incidents: each fires once when it opens and once when it resolves, delivered to a real
HTTP server (JSON and Slack-compatible) and a real SMTP server on 127.0.0.1; a target that is down
is retried on the next tick without stopping the tick."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from alert_servers import free_port, http_receiver, self_signed, smtp_server

import headwater as hw
from headwater.automation import AutomationConfig, Daemon
from headwater.automation.config import AlertsConfig
from headwater.storage.automation import AutomationStore

STATE = {"fail": True, "rows": 0}


@hw.asset
def orders() -> int:
    if STATE["fail"]:
        raise RuntimeError("the warehouse is down")
    return 1


@hw.check(asset=orders, blocking=True)
def orders_not_empty(orders: int) -> hw.CheckResult:
    return hw.CheckResult(passed=STATE["rows"] > 0)


@hw.check(asset=orders, severity="warn")
def orders_plenty(orders: int) -> hw.CheckResult:
    return hw.CheckResult(passed=STATE["rows"] > 10)


@pytest.fixture(autouse=True)
def _reset() -> None:
    STATE.update(fail=True, rows=0)


def _daemon(instance: hw.Instance, alerts: list[hw.Alert], **config: object) -> Daemon:
    defs = hw.Definitions(assets=[orders], checks=[orders_not_empty, orders_plenty], alerts=alerts)
    settings = AlertsConfig.model_validate({"base_url": "http://hw.example:3000/", **config})
    return Daemon(instance.storage, defs, launch=False, config=AutomationConfig(alerts=settings))


def _subject(mail: Message) -> str:
    # A long subject is folded onto its own line; the parser keeps the fold's leading space.
    return str(mail["Subject"]).strip()


def test_a_failed_run_fires_once_and_resolves_once(instance: hw.Instance) -> None:
    with http_receiver() as receiver:
        targets = [hw.AlertTarget.webhook(receiver.url("/json")), hw.AlertTarget.slack(receiver.url("/chat"))]
        daemon = _daemon(instance, [hw.Alert("pager", on="run_failed", targets=targets)])
        daemon.tick(now=time.time() - 1)  # watches runs that finish from now on
        failed = hw.materialize(daemon.defs, "orders", instance=instance)
        first = daemon.tick()
        daemon.tick()
        again = hw.materialize(daemon.defs, "orders", instance=instance)  # the incident is still open
        daemon.tick()
        assert not failed.success and not again.success
        assert first.alerts is not None and first.alerts["opened"] == ["pager#1"]
        assert [(path, body.get("status")) for path, _, body in receiver.posts] == [
            ("/json", "firing"),
            ("/chat", None),
        ]
        STATE["fail"] = False
        fixed = hw.materialize(daemon.defs, "orders", instance=instance)
        daemon.tick()
        daemon.tick()
    assert fixed.success
    json_posts = [(headers, body) for path, headers, body in receiver.posts if path == "/json"]
    [(fired_headers, fired), (_, resolved)] = json_posts
    assert (fired["alert"], fired["kind"], fired["incident"], fired["subject"]) == (
        "pager",
        "run_failed",
        "pager#1",
        "orders",
    )
    assert fired["summary"] == f"run {failed.run_id[:8]} of orders failed: 1 step(s) failed (orders)"
    assert fired["url"] == f"http://hw.example:3000/runs/{failed.run_id}"
    assert fired_headers["Idempotency-Key"] == fired["delivery"] == "pager#1:firing"
    assert resolved["status"] == "resolved" and resolved["delivery"] == "pager#1:resolved"
    assert resolved["resolution"] == f"run {fixed.run_id[:8]} of orders succeeded"
    [fired_chat, resolved_chat] = [body["text"] for path, _, body in receiver.posts if path == "/chat"]
    assert fired_chat.startswith("[FIRING] pager: run ") and f"<{fired['url']}|open in Headwater>" in fired_chat
    assert resolved_chat.startswith("[RESOLVED] pager: ") and "succeeded" in resolved_chat
    ticks = AutomationStore(instance.storage).list_ticks("alert:pager")
    assert [(t.status, t.data) for t in ticks][:2] == [
        ("alerted", {"opened": [], "resolved": ["pager#1"]}),
        ("alerted", {"opened": ["pager#1"], "resolved": []}),
    ]


def test_checks_by_email_through_smtp_with_starttls_and_login(
    instance: hw.Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HW_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed(tmp_path) / "cert.pem"))  # trusted by the SMTP client
    STATE["fail"] = False
    with smtp_server(login=("alerts", "s3cret"), tls=tmp_path) as (box, port):
        targets = {
            "mail": {
                "type": "email",
                "host": "127.0.0.1",
                "port": port,
                "from": "hw@example.com",
                "to": ["ops@example.com", "data@example.com"],
                "starttls": True,
                "username": "alerts",
                "password_env": "HW_SMTP_PASSWORD",
            }
        }
        rules = [
            {"name": "blocking", "on": "check_failed", "targets": ["mail"]},
            {"name": "warnings", "on": "check_warned", "targets": ["mail", "log"]},
        ]
        daemon = _daemon(instance, [], targets=targets, rules=rules)
        run = hw.materialize(daemon.defs, "orders", instance=instance)  # no rows: one check fails, one warns
        daemon.tick()
        daemon.tick()
        assert [_subject(m) for _, _, m in box.mails] == [
            f"[FIRING] blocking: blocking check 'orders_not_empty' failed on orders (run {run.run_id[:8]})",
            f"[FIRING] warnings: check 'orders_plenty' warned on orders (run {run.run_id[:8]})",
        ]
        STATE["rows"] = 20
        hw.materialize(daemon.defs, "orders", instance=instance)
        daemon.tick()
        daemon.tick()
    assert box.logins == ["alerts"] * 4
    assert [(sender, to) for sender, to, _ in box.mails] == [
        ("hw@example.com", ["ops@example.com", "data@example.com"])
    ] * 4
    resolved = [m for _, _, m in box.mails if _subject(m).startswith("[RESOLVED]")]
    assert sorted(_subject(m).split(":")[0] for m in resolved) == ["[RESOLVED] blocking", "[RESOLVED] warnings"]
    body = resolved[0].get_content()
    assert "http://hw.example:3000/assets/orders" in body and "Status: resolved" in body
    assert len({m["Message-ID"] for _, _, m in box.mails}) == 4


def test_a_target_that_is_down_is_retried_next_tick(instance: hw.Instance, caplog: pytest.LogCaptureFixture) -> None:
    closed = free_port()  # nothing listens here until the SMTP server starts on it
    mail = hw.AlertTarget.email(host="127.0.0.1", port=closed, sender="hw@example.com", to=["ops@example.com"])
    with http_receiver() as receiver:
        receiver.failing = 1  # answers the first POST with HTTP 500
        hook = hw.AlertTarget.webhook(receiver.url("/hook"), name="hook")
        daemon = _daemon(instance, [hw.Alert("pager", on="run_failed", targets=[hook, mail])])
        daemon.tick(now=time.time() - 1)
        hw.materialize(daemon.defs, "orders", instance=instance)
        with caplog.at_level(logging.WARNING, logger="headwater.alerts"):
            first = daemon.tick()
        assert first.alerts is not None
        assert sorted(first.alerts["failed"]) == ["pager#1:firing -> email ops@example.com", "pager#1:firing -> hook"]
        assert "target 'hook' (http://127.0.0.1:" in caplog.text and "answered HTTP 500" in caplog.text
        assert f"(SMTP 127.0.0.1:{closed}): ConnectionRefusedError" in caplog.text
        assert "tried again next tick" in caplog.text and receiver.posts == []
        second = daemon.tick()
        assert second.alerts is not None and (second.alerts["delivered"], len(second.alerts["failed"])) == (1, 1)
        with smtp_server(port=closed) as (box, _):
            third = daemon.tick()
            daemon.tick()
    assert third.alerts is not None and third.alerts["delivered"] == 1
    assert [body["delivery"] for _, _, body in receiver.posts] == ["pager#1:firing"]
    assert [_subject(m).split(":")[0] for _, _, m in box.mails] == ["[FIRING] pager"]


def test_overdue_idle_and_absent_updates(instance: hw.Instance) -> None:
    @hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=1)))
    def feed() -> int:
        return 1

    @hw.asset(partitions=hw.DailyPartitions(start="2026-01-01"))
    def daily(context: hw.Context) -> str:
        return context.partition_key

    absent = hw.AutomationCondition.not_updated_within(timedelta(hours=2))
    with http_receiver() as receiver:
        hook = [hw.AlertTarget.webhook(receiver.url("/a"))]
        alerts = [
            hw.Alert("late", on="asset_overdue", targets=hook),
            hw.Alert(
                "days", on="partition_overdue", targets=hook, after=timedelta(hours=3), lookback=timedelta(days=2)
            ),
            hw.Alert("quiet", on="automation_idle", targets=hook, after=timedelta(hours=6)),
            hw.Alert("no_feed", on="condition", condition=absent, select="feed", targets=hook),
        ]
        defs = hw.Definitions(assets=[feed, daily], alerts=alerts)
        daemon = Daemon(instance.storage, defs, launch=False)
        now = time.time()
        daemon.tick(now=now)
        first = [b for _, _, b in receiver.posts]
        days = [b["subject"] for b in first if b["alert"] == "days"]
        hw.materialize(defs, "feed", instance=instance)
        for day in days:
            hw.materialize(defs, "daily", partition=day.removeprefix("daily[").removesuffix("]"), instance=instance)
        daemon.tick(now=now + 60)
        second = [b for _, _, b in receiver.posts[len(first) :]]
        daemon.tick(now=now + 7 * 3600)  # no request for six hours, and feed is late again
        third = [b for _, _, b in receiver.posts[len(first) + len(second) :]]
    assert len(days) == 2  # the two days whose window closed 3 to 51 hours ago
    assert [(b["alert"], b["subject"], b["status"]) for b in first] == [
        ("late", "feed", "firing"),
        *[("days", day, "firing") for day in days],
        ("no_feed", "feed", "firing"),
    ]
    assert first[0]["summary"].startswith("feed is overdue: never materialized (policy: at most 1:00:00 old")
    assert first[1]["summary"].endswith("of daily is not materialized 3:00:00 after its window closed")
    assert first[-1]["summary"] == "feed: not_updated_within(2:00:00) (feed updated never)"
    assert first[0]["url"] == "http://127.0.0.1:3000/assets/feed"
    assert sorted((b["incident"], b["status"]) for b in second) == sorted((b["incident"], "resolved") for b in first)
    assert [(b["alert"], b["status"]) for b in third] == [
        ("late", "firing"),
        ("quiet", "firing"),
        ("no_feed", "firing"),
    ]
    assert third[1]["summary"] == "automation requested no run for longer than 6:00:00"
    assert third[1]["url"] == "http://127.0.0.1:3000/automation"


def test_an_alert_that_cannot_be_evaluated_does_not_stop_the_others(
    instance: hw.Instance, caplog: pytest.LogCaptureFixture
) -> None:
    with http_receiver() as receiver:
        hook = [hw.AlertTarget.webhook(receiver.url("/a"))]
        alerts = [
            hw.Alert("broken", on="check_failed", targets=hook),
            hw.Alert("checks", on="check_failed", targets=hook),
        ]
        daemon = _daemon(instance, alerts)
        AutomationStore(instance.storage).save_instigator("alert:broken", "alert", cursor="{not json", last_tick_at=0)
        STATE["fail"] = False
        hw.materialize(daemon.defs, "orders", instance=instance)
        with caplog.at_level(logging.ERROR, logger="headwater.alerts"):
            summary = daemon.tick()
    assert "alert 'broken' could not be evaluated; tried again next tick" in caplog.text
    assert summary.alerts is not None and summary.alerts["opened"] == ["checks#1"]
    assert [body["incident"] for _, _, body in receiver.posts] == ["checks#1"]
