"""``headwater materialize``: summary, JSON, failures, config, executors and project discovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from headwater import Instance, RunStatus

from .helpers import flat, invoke, run, write


def test_success_prints_a_summary_and_stores_the_run(project: Path) -> None:
    result = run("materialize", "-f", str(project), "--tag", "team=data", ok=True)
    text = flat(result.stdout)
    for key in ("orders", "revenue", "model", "left", "right"):
        assert key in text
    assert "materialized" in text and "1/1 passed" in text and "rows=3" in text
    with Instance.get() as instance:
        runs = instance.storage.list_runs()
    assert len(runs) == 1
    assert runs[0].status is RunStatus.SUCCEEDED
    assert runs[0].tags == {"team": "data"}
    assert f"run {runs[0].run_id} succeeded" in text


def test_json_output_parses(project: Path) -> None:
    result = run("materialize", "-f", str(project), "--select", "+revenue", "--json", ok=True)
    data = json.loads(result.stdout)
    assert data["status"] == "succeeded" and data["success"] is True
    assert [row["asset"] for row in data["assets"]] == ["orders", "revenue"]
    revenue = data["assets"][1]
    assert revenue["metadata"] == {"rows": 3}
    assert revenue["checks"] == [{"name": "revenue_positive", "passed": True}]
    assert revenue["duration"] >= 0
    assert data["errors"] == []


def test_failure_exits_1_with_the_error_and_a_hint(failing: Path) -> None:
    result = invoke(["materialize", "-f", str(failing)])
    assert result.exit_code == 1
    assert "ValueError: the warehouse is on fire" in result.stderr
    with Instance.get() as instance:
        run_id = instance.storage.list_runs()[0].run_id
    assert f"headwater runs logs {run_id[:8]}" in result.stderr
    text = flat(result.stdout)
    assert "broken │ failed" in text and "after │ skipped" in text
    assert f"run {run_id} failed" in text


def test_failure_json_exits_1_and_lists_errors(failing: Path) -> None:
    result = invoke(["materialize", "-f", str(failing), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert data["errors"][0]["step"] == "broken"
    assert "the warehouse is on fire" in data["errors"][0]["error"]


def test_unknown_selection_exits_2_with_did_you_mean(project: Path) -> None:
    result = invoke(["materialize", "-f", str(project), "--select", "revenu"])
    assert result.exit_code == 2
    assert "error: no asset 'revenu'" in result.stderr
    assert "did you mean 'revenue'" in result.stderr
    with Instance.get() as instance:
        assert instance.storage.list_runs() == []


def test_bad_config_json_exits_2_naming_the_position(project: Path) -> None:
    result = invoke(["materialize", "-f", str(project), "--config-json", '{"model": {"learning_rate": }}'])
    assert result.exit_code == 2
    assert "error: --config-json is not valid JSON at line 1, column 29" in flat(result.stderr)


def test_config_json_that_is_not_a_mapping_of_mappings(project: Path) -> None:
    result = invoke(["materialize", "-f", str(project), "--config-json", '{"model": 3}'])
    assert result.exit_code == 2
    assert "the config of 'model' is int, but run config must be a mapping of asset key -> fields" in flat(
        result.stderr
    )


def test_bad_yaml_file_names_file_and_line(project: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("model:\n  learning_rate: [0.1\n")
    result = invoke(["materialize", "-f", str(project), "--config", str(config)])
    assert result.exit_code == 2
    message = flat(result.stderr)
    assert f"run config file {config} is not valid YAML at line" in message


def test_config_reaches_the_config_parameter(project: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("model:\n  learning_rate: 0.5\n")
    run("materialize", "-f", str(project), "--select", "+model", "--config", str(config), ok=True)
    shown = json.loads(run("assets", "show", "model", "-f", str(project), "--json", ok=True).stdout)
    assert shown["materializations"][0]["metadata"] == {"learning_rate": 0.5}
    run("materialize", "-f", str(project), "--select", "model", "--config-json", '{"model": {"learning_rate": 2}}')
    with Instance.get() as instance:
        latest = instance.storage.latest("materialization")
    assert latest[next(k for k in latest if k.to_string() == "model")].event.data["metadata"] == {"learning_rate": 2}


def test_config_for_an_unknown_field_is_a_config_error(project: Path) -> None:
    result = invoke(["materialize", "-f", str(project), "--config-json", '{"model": {"learning_rat": 1}}'])
    assert result.exit_code == 2
    assert "error:" in result.stderr and "learning_rat" in result.stderr


def test_bad_tag_is_a_usage_error(project: Path) -> None:
    result = invoke(["materialize", "-f", str(project), "--tag", "nokey"])
    assert result.exit_code == 2
    assert "'nokey' is not KEY=VALUE" in result.output


def test_workers_with_in_process_is_a_usage_error(project: Path) -> None:
    result = invoke(["materialize", "-f", str(project), "--executor", "in_process", "--workers", "2"])
    assert result.exit_code == 2
    assert "--workers needs --executor multiprocess" in result.output


def test_multiprocess_executor_with_two_workers(project: Path) -> None:
    result = run("materialize", "-f", str(project), "--executor", "multiprocess", "--workers", "2", "--json", ok=True)
    data = json.loads(result.stdout)
    assert data["success"] is True
    assert {row["asset"] for row in data["assets"]} == {"orders", "revenue", "model", "left", "right"}


def test_multiprocess_from_the_console_script(project: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "headwater"),
            "materialize",
            "-f",
            project.name,
            "--executor",
            "multiprocess",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout and "revenue" in done.stdout


def test_pyproject_discovery_without_module_or_file(project: Path, tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.headwater]\nfile = "project.py"\n')
    result = run("materialize", "--select", "orders", "--json", ok=True)
    assert [row["asset"] for row in json.loads(result.stdout)["assets"]] == ["orders"]


def test_no_definitions_is_a_clear_error(home: Path) -> None:
    result = invoke(["materialize"])
    assert result.exit_code == 2
    assert "error: no definitions to load" in result.stderr
    assert "[tool.headwater]" in result.stderr


def test_partition_is_recorded(project: Path, tmp_path: Path) -> None:
    refused = run("materialize", "-f", str(project), "--select", "orders", "--partition", "p1", "--json")
    assert refused.exit_code == 2
    assert "partition 'p1' was given, but no selected asset is partitioned" in flat(refused.output)
    regions = write(
        tmp_path,
        "regions.py",
        "import headwater as hw\n"
        "@hw.asset(partitions=hw.StaticPartitions(['p1', 'p2']))\n"
        "def sales(context: hw.Context) -> str:\n"
        "    return context.partition_key\n"
        "defs = hw.Definitions(assets=[sales])\n",
    )
    data = json.loads(run("materialize", "-f", str(regions), "--partition", "p1", "--json").stdout)
    assert data["partition"] == "p1"


def test_memoize_reuses_unchanged_assets_and_force_runs_them(project: Path) -> None:
    run("materialize", "-f", str(project), "--select", "+revenue", ok=True)
    memoized = json.loads(run("materialize", "-f", str(project), "--select", "+revenue", "--memoize", "--json").stdout)
    assert memoized["success"] is True
    statuses = {row["asset"]: row["status"] for row in memoized["assets"]}
    # orders declares a code version and nothing it reads changed; revenue declares none, so it runs
    assert statuses == {"orders": "unchanged", "revenue": "materialized"}
    forced = json.loads(run("materialize", "-f", str(project), "--select", "+revenue", "--force", "--json").stdout)
    assert {row["asset"]: row["status"] for row in forced["assets"]} == {
        "orders": "materialized",
        "revenue": "materialized",
    }


def test_memoize_and_force_are_refused_together_and_with_queue(project: Path) -> None:
    both = invoke(["materialize", "-f", str(project), "--memoize", "--force"])
    assert both.exit_code == 2
    assert "give --memoize or --force, not both: --force runs every step, memoized or not" in flat(both.output)
    queued = invoke(["materialize", "-f", str(project), "--queue", "--force"])
    assert queued.exit_code == 2
    text = flat(queued.output)
    assert "--memoize and --force apply to a run executed here, not with --queue" in text
    assert "queued runs follow the assets' and the Definitions' memoize= settings" in text
