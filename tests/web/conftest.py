"""Fixtures for web tests: a small project in ``tmp_path``, a SQLite instance populated by real
runs, and the app built on both."""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from headwater.auth import Accounts
from headwater.automation.daemon import Daemon
from headwater.definitions import CodeLocation
from headwater.instance import Instance, InstanceConfig
from headwater.loader import find_location, load_definitions
from headwater.web import create_app

PROJECT = '''
import headwater as hw


@hw.asset(group="raw", owners=["team:data"], kinds=["csv"], code_version="1")
def orders() -> list[int]:
    """Orders <b>exported</b> from the shop."""
    print("loading orders")
    return [1, 2, 3]


@hw.asset(group="mart")
def revenue(context: hw.Context, orders: list[int]) -> hw.Output:
    context.log.info("summing %d orders", len(orders))
    return hw.Output(sum(orders), metadata={"rows": len(orders), "total": float(sum(orders))})


@hw.asset(group="mart")
def report(revenue: int) -> str:
    return f"revenue {revenue}"


@hw.asset(group="ops")
def broken(orders: list[int]) -> int:
    raise ValueError("the warehouse is on fire")


@hw.check(asset=revenue)
def revenue_positive(revenue) -> hw.CheckResult:
    return hw.CheckResult(passed=revenue > 100)


defs = hw.Definitions(assets=[orders, revenue, report, broken], checks=[revenue_positive])
'''


@dataclass
class Project:
    """A project file, its instance configuration and code location."""

    path: Path
    config: InstanceConfig
    location: CodeLocation

    def instance(self) -> Instance:
        return Instance.from_config(self.config)


def fix_broken(project: Project) -> None:
    """Edit the example project so that ``broken`` succeeds."""
    project.path.write_text(
        project.path.read_text().replace('raise ValueError("the warehouse is on fire")', "return 1")
    )


def write_project(folder: Path, source: str) -> Project:
    """``source`` as ``defs.py`` in ``folder``, with an instance under ``folder/home``."""
    path = folder / "defs.py"
    path.write_text(textwrap.dedent(source).lstrip())
    config = InstanceConfig(home=str(folder / "home"))
    return Project(path=path, config=config, location=find_location(file=path, project_dir=folder))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project with two finished runs: one that succeeded, one where ``broken`` failed."""
    made = write_project(tmp_path, PROJECT)
    defs = load_definitions(made.location)
    with made.instance() as instance:
        assert instance.materialize(defs, "orders revenue report").success
        assert not instance.materialize(defs, "broken").success
    return made


PARTITIONED = """
import headwater as hw


class Scale(hw.Config):
    factor: int = 2
    label: str


@hw.asset(partitions=hw.StaticPartitions(["p1", "p2", "p3", "p4"]))
def daily(context: hw.Context) -> str:
    return f"value {context.partition_key}"


@hw.asset
def scaled(config: Scale) -> int:
    return 21 * config.factor


defs = hw.Definitions(assets=[daily, scaled])
"""


@pytest.fixture
def partitioned(tmp_path: Path) -> Project:
    """A project with a partitioned asset and one that takes run config; no runs yet."""
    return write_project(tmp_path, PARTITIONED)


AUTOMATED = """
import headwater as hw


@hw.asset(automation=hw.on_missing())
def seed() -> int:
    return 1


@hw.asset(automation=hw.eager())
def grown(seed: int) -> int:
    return seed + 1


@hw.sensor(interval=60)
def watcher(context):
    return hw.SensorResult(skip_reason="nothing new")


defs = hw.Definitions(
    assets=[seed, grown],
    schedules=[hw.Schedule("nightly", cron="0 2 * * *", select="seed", default_status="stopped")],
    sensors=[watcher],
)
"""


@pytest.fixture
def automated(tmp_path: Path) -> Project:
    """A project with a schedule (off by default), a sensor and two assets with conditions, ticked once."""
    made = write_project(tmp_path, AUTOMATED)
    with made.instance() as instance:
        Daemon(instance.storage, load_definitions(made.location), launch=False).tick(now=time.time())
    return made


def make_app(project: Project, **options: object) -> FastAPI:
    """The app for ``project`` (keyword options go to ``create_app``)."""
    return create_app(location=project.location, config=project.config, warm=False, **options)  # type: ignore[arg-type]


@pytest.fixture
def client(project: Project) -> Iterator[TestClient]:
    """A TestClient of the app, with its CSRF cookie set."""
    with TestClient(make_app(project)) as test_client:
        test_client.get("/api/csrf")
        yield test_client


def csrf(client: TestClient) -> dict[str, str]:
    """The CSRF header for a POST from ``client``."""
    return {"X-Headwater-CSRF": client.cookies["headwater_csrf"]}


CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium, which the browser tests drive (never a downloaded browser)."""


@pytest.fixture
def chromium() -> str:
    """The browser's path, or skip (fail on CI) when it is not installed."""
    if not Path(CHROMIUM).exists():
        message = "chromium not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run the browser tests")
        pytest.skip(message)
    return CHROMIUM


PASSWORD = "a long password"
"""The password of every user ``add_role_users`` adds."""


def add_role_users(project: Project) -> Project:
    """One user of each role (named after it) and ``mart``, a launcher scoped to group:mart."""
    with project.instance() as instance:
        accounts = Accounts(instance.storage)
        for role in ("viewer", "launcher", "editor", "admin"):
            accounts.add_user(role, role=role, password=PASSWORD)
        accounts.add_user("mart", role="launcher", scope="group:mart", password=PASSWORD)
    return project
