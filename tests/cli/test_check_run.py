"""``headwater check run`` and ``headwater check history``: checks on stored values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import flat, invoke, run, write

CHECKED = """
import os
from datetime import timedelta

import headwater as hw


@hw.asset
def orders() -> list[dict]:
    return [{"id": i, "status": "open"} for i in range(int(os.environ.get("ROWS", "3")))]


@hw.asset
def plain() -> int:
    return 1


@hw.check(asset=orders, severity="warn")
def few(orders: list[dict]) -> hw.CheckResult:
    return hw.CheckResult(passed=len(orders) < 3)


defs = hw.Definitions(
    assets=[orders, plain],
    checks=[
        few,
        hw.checks.row_count(orders, min=1, blocking=True),
        hw.checks.unique(orders, "id"),
        hw.checks.freshness(orders, timedelta(hours=1)),
    ],
)
"""


def test_check_without_subcommand_still_validates(tmp_path: Path, home: Path) -> None:
    checked = write(tmp_path, "checked.py", CHECKED)
    assert run("check", "-f", str(checked), ok=True).stdout.strip() == "2 assets, 4 checks, 1 groups: OK"


def test_check_run_on_stored_values(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = write(tmp_path, "checked.py", CHECKED)
    run("materialize", "-f", str(checked), ok=True)
    text = flat(run("check", "run", "-f", str(checked), ok=True).stdout)
    assert "orders │ few │ warned │ warn" in text
    assert "3 of 4 checks passed" in text
    monkeypatch.setenv("ROWS", "0")
    run("materialize", "-f", str(checked), "--select", "orders")
    result = invoke(["check", "run", "-f", str(checked), "--select", "orders", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["success"] is False
    outcomes = {c["check"]: c["outcome"] for c in data["checks"]}
    assert outcomes == {"few": "passed", "row_count": "failed", "unique_id": "passed", "freshness": "passed"}
    only = json.loads(run("check", "run", "-f", str(checked), "--check", "few", "--json", ok=True).stdout)
    assert [c["check"] for c in only["checks"]] == ["few"]


def test_check_run_errors(tmp_path: Path, home: Path) -> None:
    checked = write(tmp_path, "checked.py", CHECKED)
    result = invoke(["check", "run", "-f", str(checked), "--select", "plain"])
    assert result.exit_code == 2
    assert "none of the 1 selected asset(s) has a check" in flat(result.stderr)
    result = invoke(["check", "run", "-f", str(checked), "--check", "fwe"])
    assert result.exit_code == 2
    assert "no check named 'fwe' on the selected assets (did you mean 'few'?)" in flat(result.stderr)
    result = invoke(["check", "run", "-f", str(checked), "--json"])  # nothing stored yet
    assert result.exit_code == 1
    errors = [c["error"] for c in json.loads(result.stdout)["checks"]]
    assert all("has no stored value" in e and "materialize it first" in e for e in errors)


def test_check_history(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = write(tmp_path, "checked.py", CHECKED)
    run("materialize", "-f", str(checked), ok=True)
    monkeypatch.setenv("ROWS", "1")
    run("materialize", "-f", str(checked), ok=True)
    data = json.loads(run("check", "history", "orders", "-f", str(checked), "--check", "few", "--json", ok=True).stdout)
    assert [item["outcome"] for item in data] == ["passed", "warned"]
    text = flat(run("check", "history", "orders", "-f", str(checked), ok=True).stdout)
    assert "checks of orders" in text and "row_count" in text
    result = invoke(["check", "history", "orders", "-f", str(checked), "--check", "fwe"])
    assert result.exit_code == 2
    assert "asset 'orders' has no check 'fwe' (did you mean 'few'?); its checks are: few" in flat(result.stderr)
