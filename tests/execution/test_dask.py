"""The dask executor on a real ``distributed.LocalCluster`` of worker processes."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path

import dask
import distributed
import pytest
from click.testing import CliRunner

import headwater as hw
from headwater.cli.main import cli
from headwater.events import EventType, RunStatus

PROJECT = """
import os
import signal
import sys
from pathlib import Path

import distributed

import headwater as hw

MARKS = Path({marks!r})
LOADED = os.urandom(8).hex()  # new each time a process imports this file

@hw.asset
def source() -> list[int]:
    print("source on", os.getpid())
    return list(range(10))

@hw.asset
def left(context: hw.Context, source: list[int]) -> dict:
    context.log.info("left on %s", os.getpid())
    return {{"sum": sum(source), "pid": os.getpid()}}

@hw.asset
def right(source: list[int]) -> dict:
    print("right to stderr", file=sys.stderr)
    return {{"max": max(source), "pid": os.getpid()}}

@hw.asset
def joined(left: dict, right: dict) -> int:
    return left["sum"] + right["max"]

@hw.asset
def broken(source: list[int]) -> int:
    print("about to fail")
    raise ValueError("source has no negative numbers")

@hw.asset
def after_broken(broken: int) -> int:
    return broken

@hw.asset
def crash(source: list[int]) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0

@hw.asset(retry=hw.Retry(max_retries=1))
def flaky(source: list[int]) -> int:
    mark = MARKS / "flaky"
    if not mark.exists():
        mark.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return 7

@hw.asset
def scheduler() -> str:
    return distributed.get_worker().scheduler.address

@hw.asset
def loaded() -> tuple[int, str]:
    return os.getpid(), LOADED

defs = hw.Definitions(assets=[source, left, right, joined, broken, after_broken, crash, flaky, scheduler, loaded])
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One local cluster of two worker processes for the module; yields its scheduler address."""
    # as the executor's own local cluster does: a worker lost mid-step fails that step at once
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        local = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            scheduler_port=0,
        )
    try:
        yield str(local.scheduler_address)
    finally:
        local.close()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[hw.Definitions, hw.Instance]]:
    marks = tmp_path / "marks"
    marks.mkdir()
    path = tmp_path / "project.py"
    path.write_text(textwrap.dedent(PROJECT.format(marks=str(marks))))
    defs = hw.load_definitions(hw.find_location(file=path))
    instance = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home")))
    yield defs, instance
    instance.close()


def _logs(instance: hw.Instance, run_id: str) -> dict[str, str]:
    return {r.step_key: r.text for r in instance.storage.get_logs(run_id)}


def test_a_graph_materializes_on_the_cluster_with_events_and_logs(
    project: tuple[hw.Definitions, hw.Instance], cluster: str
) -> None:
    defs, instance = project
    result = instance.materialize(defs, "source left right joined", executor=hw.DaskExecutor(address=cluster))
    assert result.success, result.events
    assert result.value_of("joined") == 45 + 9
    assert os.getpid() not in {result.value_of("left")["pid"], result.value_of("right")["pid"]}
    stored = instance.storage.get_events(result.run_id, types=[EventType.ASSET_MATERIALIZED])
    assert sorted(r.event.asset_key.to_string() for r in stored if r.event.asset_key) == [
        "joined",
        "left",
        "right",
        "source",
    ]
    joined = next(r.event for r in stored if r.event.asset_key == hw.AssetKey("joined"))
    assert set(joined.data["inputs"]) == {"left", "right"}  # provenance stamped as for other pools
    assert instance.storage.get_run(result.run_id).status is RunStatus.SUCCEEDED
    logs = _logs(instance, result.run_id)
    assert "source on" in logs["source"]
    assert "INFO left on" in logs["left"]
    assert "right to stderr" in logs["right"]
    assert "left on" not in logs.get("right", "")


def test_each_worker_imports_the_code_once(project: tuple[hw.Definitions, hw.Instance], cluster: str) -> None:
    defs, instance = project
    seen: dict[int, set[str]] = {}
    for _ in range(4):
        result = instance.materialize(defs, "loaded", executor=hw.DaskExecutor(address=cluster))
        pid, token = result.value_of("loaded")
        seen.setdefault(pid, set()).add(token)
    assert os.getpid() not in seen
    assert all(len(tokens) == 1 for tokens in seen.values()), seen


def test_workers_that_cannot_load_the_code_fail_the_run_before_any_step(
    project: tuple[hw.Definitions, hw.Instance], cluster: str, tmp_path: Path
) -> None:
    defs, instance = project
    assert defs.location is not None
    elsewhere = dataclasses.replace(defs.location, file=str(tmp_path / "not-on-the-workers.py"))
    moved = dataclasses.replace(defs, location=elsewhere)
    result = instance.materialize(moved, "source", executor=hw.DaskExecutor(address=cluster))
    assert not result.success
    [failed] = result.of_type(EventType.STEP_FAILED)
    error = failed.data["error"]
    assert "the dask worker at tcp://127.0.0.1:" in error
    assert f"cannot load your definitions (-f {elsewhere.file} (attribute 'defs'))" in error
    assert "every worker needs Headwater and your code at the same path" in error


def test_a_failing_step_fails_the_run_with_its_traceback_and_skips_downstream(
    project: tuple[hw.Definitions, hw.Instance], cluster: str
) -> None:
    defs, instance = project
    result = instance.materialize(defs, "source broken after_broken", executor=hw.DaskExecutor(address=cluster))
    assert not result.success
    failed = result.of_type(EventType.STEP_FAILED)
    assert [e.step_key for e in failed] == ["broken"]
    assert "source has no negative numbers" in failed[0].data["error"]
    assert "ValueError" in failed[0].data["traceback"]
    skipped = result.of_type(EventType.STEP_SKIPPED)
    assert [e.step_key for e in skipped] == ["after_broken"]
    assert "upstream step 'broken' failed" in skipped[0].data["reason"]
    run = instance.storage.get_run(result.run_id)
    assert run.status is RunStatus.FAILED
    assert "about to fail" in _logs(instance, result.run_id)["broken"]


def test_a_lost_worker_fails_the_step_or_retries_it(
    project: tuple[hw.Definitions, hw.Instance], cluster: str, tmp_path: Path
) -> None:
    defs, instance = project
    executor = hw.DaskExecutor(address=cluster)
    result = instance.materialize(defs, "source crash", executor=executor)
    assert not result.success
    failed = result.of_type(EventType.STEP_FAILED)
    assert [e.step_key for e in failed] == ["crash"]
    assert "the dask worker running step 'crash' was lost before the step finished" in failed[0].data["error"]
    assert "retry=hw.Retry(max_retries=N)" in failed[0].data["error"]
    assert hw.AssetKey("crash") not in instance.storage.latest("materialization")
    assert instance.storage.get_run(result.run_id).status is RunStatus.FAILED

    retried = instance.materialize(defs, "source flaky", executor=executor)
    assert retried.success, retried.events
    assert (tmp_path / "marks" / "flaky").exists()  # the first attempt ran and lost its worker
    [retry] = retried.of_type(EventType.STEP_RETRYING)
    assert retry.step_key == "flaky"
    assert "was lost before the step finished" in retry.data["error"]
    assert retried.value_of("flaky") == 7


def test_an_unreachable_scheduler_fails_the_run_naming_the_address(
    project: tuple[hw.Definitions, hw.Instance],
) -> None:
    defs, instance = project
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    result = instance.materialize(defs, "source left", executor=hw.DaskExecutor(address=address, connect_timeout=1.0))
    assert not result.success
    [failed] = result.of_type(EventType.STEP_FAILED)
    assert failed.step_key == "source"
    assert f"cannot reach the dask scheduler at {address} within 1 s" in failed.data["error"]
    assert "[executor] dask_address in headwater.toml" in failed.data["error"]
    assert [e.step_key for e in result.of_type(EventType.STEP_SKIPPED)] == ["left"]
    kinds = [r.event.type for r in instance.storage.get_events(result.run_id)]
    assert kinds[0] is EventType.RUN_STARTED and kinds[-1] is EventType.RUN_FAILED
    assert instance.storage.get_run(result.run_id).status is RunStatus.FAILED


def test_a_scheduler_without_workers_fails_the_run_saying_how_to_start_them(
    project: tuple[hw.Definitions, hw.Instance],
) -> None:
    defs, instance = project
    with distributed.LocalCluster(
        n_workers=0,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        scheduler_port=0,
    ) as empty:
        address = str(empty.scheduler_address)
        result = instance.materialize(defs, "source", executor=hw.DaskExecutor(address=address, connect_timeout=1.0))
    assert not result.success
    [failed] = result.of_type(EventType.STEP_FAILED)
    assert f"the dask scheduler at {address} has no workers" in failed.data["error"]
    assert f"start some with `dask worker {address}`" in failed.data["error"]


def test_without_an_address_a_local_cluster_runs_the_steps_and_is_closed(
    project: tuple[hw.Definitions, hw.Instance],
) -> None:
    defs, instance = project
    result = instance.materialize(defs, "scheduler source", executor=hw.DaskExecutor(n_workers=1))
    assert result.success, [e.data for e in result.of_type(EventType.STEP_FAILED)]
    address = result.value_of("scheduler")
    assert address.startswith("tcp://127.0.0.1:")
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect((host, int(port)))  # the run's own cluster was shut down with it


def test_headwater_toml_chooses_dask_and_the_scheduler(
    project: tuple[hw.Definitions, hw.Instance], cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs, _ = project
    monkeypatch.delenv("HEADWATER_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "toml-home"))
    (tmp_path / "headwater.toml").write_text(f'[executor]\nkind = "dask"\ndask_address = "{cluster}"\n')
    with hw.Instance.get(tmp_path) as instance:
        assert instance.config is not None
        assert instance.config.executor.spec() == hw.DaskExecutor(address=cluster)
        result = instance.materialize(defs, "scheduler")
    assert result.success, result.events
    assert result.value_of("scheduler") == cluster

    # the address alone (here from the environment) fills in a DaskExecutor declared without one
    (tmp_path / "headwater.toml").write_text("")
    monkeypatch.setenv("HEADWATER_DASK_ADDRESS", cluster)
    with hw.Instance.get(tmp_path) as instance:
        result = instance.materialize(defs, "scheduler", executor=hw.DaskExecutor())
    assert result.value_of("scheduler") == cluster


def test_the_cli_runs_on_dask_at_the_configured_address(
    project: tuple[hw.Definitions, hw.Instance], cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("HEADWATER_DASK_ADDRESS", cluster)
    monkeypatch.chdir(tmp_path)
    args = ["materialize", "-f", "project.py", "--select", "scheduler source", "--executor", "dask", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "succeeded"
    with hw.Instance.get(tmp_path) as instance:
        assert instance.io_manager.load(hw.AssetKey("scheduler"), None) == cluster


def test_bad_executor_settings_are_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(hw.DefinitionError, match=r"DaskExecutor\(n_workers=0\): use 1 or more"):
        hw.DaskExecutor(n_workers=0)
    with pytest.raises(hw.DefinitionError, match="give the scheduler as 'tcp://host:8786'"):
        hw.DaskExecutor(address=" ")
    executor = hw.InstanceConfig(home=str(tmp_path), executor={"kind": "multiprocess", "workers": 3}).executor
    assert executor.spec() == hw.MultiprocessExecutor(max_workers=3)
    assert hw.InstanceConfig(home=str(tmp_path)).executor.spec() is None  # the definitions' executor stays
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    (tmp_path / "headwater.toml").write_text('[executor]\nkind = "spark"\n')
    with pytest.raises(hw.ConfigError, match=r'executor.kind: .*\[executor\] kind = "dask"'):
        hw.Instance.get(tmp_path)


def test_values_must_be_shared_between_processes(project: tuple[hw.Definitions, hw.Instance], tmp_path: Path) -> None:
    defs, instance = project
    executor = hw.DaskExecutor(address="tcp://127.0.0.1:9")
    with (
        hw.Instance.ephemeral() as ephemeral,
        pytest.raises(hw.ConfigError, match="the dask executor needs an IO manager that processes share"),
    ):
        ephemeral.materialize(defs, executor=executor)
    in_memory = hw.Definitions(
        assets=[defs.assets[0]], io_managers={"scratch": hw.InMemoryIOManager()}, location=defs.location
    )
    with pytest.raises(hw.ConfigError, match=r"io_managers\['scratch'\] .* cannot be used with the dask executor"):
        instance.materialize(in_memory, executor=executor)

    @hw.asset
    def alone() -> int:
        return 1

    with pytest.raises(hw.ConfigError, match="the dask executor needs definitions loaded from a module or file"):
        instance.materialize(hw.Definitions(assets=[alone]), executor=executor)


def test_without_the_dask_extra_the_error_says_how_to_install_it(
    project: tuple[hw.Definitions, hw.Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    defs, instance = project
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an environment without the extra sees
    with pytest.raises(hw.ConfigError, match=r'pip install "headwater\[dask\]"'):
        instance.materialize(defs, "source", executor=hw.DaskExecutor())


def test_the_readme_dask_example_runs_on_the_configured_scheduler(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Running on a dask cluster") :]
    code = next(b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "hw.DaskExecutor(" in b)
    toml = next(b for b in re.findall(r"```toml\n(.*?)```", section, re.S) if "[executor]" in b)
    (tmp_path / "defs.py").write_text(code)
    (tmp_path / "headwater.toml").write_text(toml.replace("tcp://10.0.0.5:8786", cluster))
    assert tomllib.loads(toml)["executor"]["kind"] == "dask"
    monkeypatch.delenv("HEADWATER_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    defs = hw.load_definitions(hw.find_location(file=tmp_path / "defs.py"))
    with hw.Instance.get(tmp_path) as instance:
        result = instance.materialize(defs)
        assert result.success, result.events
        assert result.value_of("total") == 6
        logs = {r.step_key: r.text for r in instance.storage.get_logs(result.run_id)}
    assert "summing on a dask worker" in logs["total"]
