"""One ``dbt build`` for the dbt assets a run selected, and its results as Headwater outputs.

Each built model, seed or snapshot becomes an ``hw.Output`` whose value is a small dict (its
relation, dbt status and the results of its tests) and whose metadata has rows affected and
execution time; each test's result is read back from that value by the test's check. A node
that fails fails the step with dbt's message, after the nodes that were built are recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from headwater.definitions import CheckResult, Context, Output
from headwater.errors import StepFailed
from headwater.integrations.dbt_cli import DbtProject
from headwater.keys import AssetKey

_PASSED = frozenset({"pass", "success"})


def run_build(
    project: DbtProject,
    op_name: str,
    context: Context,
    outs: Sequence[tuple[str, AssetKey]],
    nodes: Mapping[str, Mapping[str, Any]],
    tests: Mapping[str, Mapping[str, Any]],
    schemas: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Build the nodes of ``context.asset_keys`` with one ``dbt build``; output name -> ``hw.Output``.

    Raises StepFailed with dbt's message when dbt fails before building (nothing is recorded), or
    with the nodes that were built as ``outputs`` when some selected node failed or was skipped.
    """
    wanted = set(context.asset_keys)
    selected = [uid for uid, key in outs if key in wanted]
    names = [str(nodes[uid]["name"]) for uid in selected]
    context.log.info("dbt build --select %s", " ".join(names))
    invocation, results = project.build(names)
    if invocation.output:
        context.log.info("%s", invocation.output)
    if results is None or invocation.returncode not in (0, 1):
        raise StepFailed(
            op_name,
            f"dbt build of project {project.project_dir} failed before building its models:\n"
            f"{invocation.error_text}\nFix the project, then materialize again.",
        )
    by_id = {r["unique_id"]: r for r in results.get("results", []) if isinstance(r, Mapping) and "unique_id" in r}
    invocation_id = str(results.get("metadata", {}).get("invocation_id", ""))
    test_results = _test_results(by_id, tests)
    made: dict[str, Any] = {}
    problems: list[str] = []
    for uid in selected:
        node = nodes[uid]
        label = f"{node['resource_type']} '{node['name']}'"
        result = by_id.get(uid)
        status = str(result.get("status")) if result else "not run"
        if result is None or status not in _PASSED:
            message = (result or {}).get("message") or ""
            if status == "skipped":
                message = message or "dbt skipped it because a node or test upstream of it failed"
            problems.append(f"{label}: {status}: {message}".rstrip(": "))
            continue
        made[uid] = _output(node, result, test_results.get(uid, {}), invocation_id, schemas.get(uid), context.run_id)
    if problems:
        detail = "; ".join(problems)
        raise StepFailed(
            op_name, f"dbt build of {len(problems)} of {len(selected)} node(s) failed: {detail}", outputs=made
        )
    return made


def _test_results(
    by_id: Mapping[str, Mapping[str, Any]], tests: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Tested node -> test id -> outcome, for every test dbt ran in the build."""
    out: dict[str, dict[str, Any]] = {}
    for test_id, test in tests.items():
        result = by_id.get(test_id)
        if result is None:
            continue
        outcome = {
            "status": str(result.get("status")),
            "failures": result.get("failures"),
            "message": result.get("message"),
        }
        targets = [test.get("attached_node"), *test.get("depends_on", {}).get("nodes", [])]
        for target in targets:
            if target:
                out.setdefault(str(target), {})[test_id] = outcome
    return out


def _output(
    node: Mapping[str, Any],
    result: Mapping[str, Any],
    tests: Mapping[str, Any],
    invocation: str,
    schema: Mapping[str, str] | None,
    run_id: str,
) -> Output[Any]:
    response = result.get("adapter_response") or {}
    metadata: dict[str, Any] = {"dbt_status": str(result.get("status"))}
    if isinstance(result.get("execution_time"), (int, float)):
        metadata["execution_time"] = round(float(result["execution_time"]), 3)
    if isinstance(response.get("rows_affected"), int):
        metadata["rows_affected"] = response["rows_affected"]
    if result.get("message"):
        metadata["dbt_message"] = str(result["message"])
    if schema:  # the columns dbt documents, for column lineage across dbt and Python assets
        metadata["schema"] = dict(schema)
    value = {
        "unique_id": node["unique_id"],
        "relation": node.get("relation_name"),
        "status": str(result.get("status")),
        "tests": dict(tests),
        "run_id": run_id,  # the run whose checks read these test results
    }
    return Output(value, metadata=metadata, data_version=f"{invocation}:{node['unique_id']}" if invocation else None)


def dbt_test_result(model: Any, test_id: str) -> CheckResult:
    """The check result of dbt test ``test_id`` from the stored build result of the model it tests."""
    tests = model.get("tests", {}) if isinstance(model, Mapping) else {}
    outcome = tests.get(test_id)
    if outcome is None:
        return CheckResult(
            passed=False,
            metadata={"dbt_unique_id": test_id},
            description="dbt did not run this test in the model's last build",
        )
    failures = outcome.get("failures")
    metadata: dict[str, Any] = {"dbt_status": outcome["status"], "dbt_unique_id": test_id}
    if isinstance(failures, int):
        metadata["failures"] = failures
    return CheckResult(
        passed=outcome["status"] == "pass",
        metadata=metadata,
        description=outcome.get("message") or None,
    )
