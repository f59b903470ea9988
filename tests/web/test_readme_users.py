"""The README's "Users, roles and the audit log" section is real: its commands run in order and do
what the text says, its [web.auth] block is a valid configuration, and its report commands (the
CLI and the curl request) record materializations in a running server with a token."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from headwater.auth.config import WebAuthConfig, parse_grant
from headwater.cli.main import cli
from headwater.keys import AssetKey

from .conftest import Project
from .test_browser import serving

README = Path(__file__).resolve().parents[2] / "README.md"
PROJECT = """
import headwater as hw


@hw.asset
def raw_orders() -> int:
    return 1


defs = hw.Definitions(assets=[raw_orders])
"""


def _section() -> str:
    return README.read_text().split("## Users, roles and the audit log", 1)[1].split("\n## ", 1)[0]


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", _section(), re.S)


def _run(line: str, env: dict[str, str] | None = None) -> str:
    """One README command line: ``echo "..." | headwater ...`` feeds the echoed text as stdin."""
    stdin = None
    if " | headwater " in line:
        echoed, line = line.split(" | ", 1)
        stdin = shlex.split(echoed)[1] + "\n"
    words = shlex.split(line)
    assert words[0] == "headwater", line
    result = CliRunner().invoke(cli, words[1:], input=stdin, env=env)
    assert result.exit_code == 0, f"{line}\n{result.output}"
    return result.stdout


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "defs.py").write_text(PROJECT)
    return tmp_path


def test_the_user_commands_run_and_do_what_the_text_says(home: Path) -> None:
    lines = _blocks("bash")[0].strip().splitlines()
    printed = [_run(line) for line in lines]
    token = printed[4].strip()
    assert token.startswith("hw_")
    rows = printed[5]
    assert re.search(r"ana\W+admin", rows) and re.search(r"lee\W+editor\W+group:finance", rows)
    assert re.search(r"etl\W+editor", rows)
    [changed] = json.loads(printed[6])
    assert changed["action"] == "role_set" and changed["target"] == "lee"
    section = " ".join(_section().split())
    for role in ("**viewer**", "**launcher**", "**editor**", "**admin**"):
        assert role in section


def test_the_trusted_header_block_is_a_valid_configuration() -> None:
    block = _blocks("toml")[0]
    config = WebAuthConfig(**tomllib.loads(block)["web"]["auth"])
    assert config.trusted_proxies == ["10.0.0.0/8"]
    grant = parse_grant(config.groups["finance"], where="README")
    assert grant.describe() == "launcher of group:finance"


def test_the_single_sign_on_block_is_a_valid_configuration() -> None:
    block = _blocks("toml")[1]
    oidc = WebAuthConfig(**tomllib.loads(block)["web"]["auth"]).oidc
    assert oidc is not None
    assert (oidc.issuer, oidc.client_id, oidc.client_secret_env) == (
        "https://login.example.com/realms/data",
        "headwater",
        "HEADWATER_OIDC_SECRET",
    )
    assert oidc.default_role == "none" and "openid" in oidc.scopes
    section = " ".join(_section().split())
    assert "/login/oidc/callback" in section  # the route tests/web/test_oidc.py signs in through


def test_the_report_commands_record_in_a_running_server(home: Path) -> None:
    from headwater.auth import Accounts
    from headwater.instance import Instance, InstanceConfig
    from headwater.loader import find_location

    config = InstanceConfig(home=str(home / "home"))
    with Instance.from_config(config) as instance:
        Accounts(instance.storage).add_user("etl", role="editor")
        secret = Accounts(instance.storage).create_token("etl").secret
    project = Project(path=home / "defs.py", config=config, location=find_location(file="defs.py", project_dir=home))
    cli_line, curl_line = _blocks("bash")[1].strip().splitlines()
    with serving(project) as url:
        _run(cli_line.replace("http://127.0.0.1:3000", url).replace('"$HEADWATER_TOKEN"', secret))
        words = shlex.split(curl_line.replace("http://127.0.0.1:3000", url).replace("$HEADWATER_TOKEN", secret))
        assert words[:3] == ["curl", "-X", "POST"]
        headers = dict(h.split(": ", 1) for h in words[words.index("-H") + 1 :: 2][:2])
        body = words[words.index("-d") + 1].encode()
        request = urllib.request.Request(words[3], data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
    with Instance.from_config(config) as instance:
        latest = instance.storage.latest(keys=[AssetKey("raw_orders")])[AssetKey("raw_orders")]
        runs = instance.storage.list_runs(limit=5)
    assert latest.event.data["data_version"] == "2026-12-04" and latest.event.data["metadata"] == {"rows": 120}
    assert len(runs) == 2 and all(run.tags.get("headwater/user") == "etl" for run in runs)
