"""dbt tests as Headwater checks: on the model they test, or, for a singular test that refs no
model, on the dbt project itself.

In a run, a check reads its test's outcome from the build that just ran; on its own (``headwater
check run``) it runs ``dbt test`` for that test. Never imports dbt (``dbt_cli.py`` runs it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from headwater.definitions import CheckResult, CheckSpec, Context, check
from headwater.definitions.check import Severity
from headwater.integrations.dbt_cli import DbtProject
from headwater.integrations.dbt_results import dbt_test_result
from headwater.keys import AssetKey, check_key_part

# dbt writes one target/run_results.json per project: tests of one process run one at a time.
_ONE_AT_A_TIME = threading.Lock()


def dbt_check(
    project: DbtProject, test: Mapping[str, Any], target: AssetKey, *, where: str, of_model: bool
) -> CheckSpec:
    """The check of dbt test ``test`` on ``target``: a model the dbt step builds (``of_model``: the check
    reads its build result), else a source or the project (the check always runs ``dbt test``)."""
    uid = str(test["unique_id"])
    severity: Severity = "warn" if str(test.get("config", {}).get("severity", "")).lower() == "warn" else "error"
    name = check_key_part(str(test["name"])[:120], where=f"{where} test")
    declare = check(
        asset=target,
        name=name,
        blocking=severity == "error",
        severity=severity,
        description=test.get("description") or f"dbt test {test['name']}",
        ins={"model": target} if of_model else {},
    )
    if of_model:
        return declare(_model_evaluator(project, uid, str(test["name"])))
    return declare(_test_runner(project, uid, str(test["name"])))


def _model_evaluator(project: DbtProject, test_id: str, name: str) -> Callable[[Context, Any], CheckResult]:
    def evaluate(context: Context, model: Any) -> CheckResult:
        built_now = isinstance(model, Mapping) and model.get("run_id") == context.run_id
        if built_now and test_id in model.get("tests", {}):
            return dbt_test_result(model, test_id)
        return run_test(project, test_id, name, context)

    return evaluate


def _test_runner(project: DbtProject, test_id: str, name: str) -> Callable[[Context], CheckResult]:
    def evaluate(context: Context) -> CheckResult:
        return run_test(project, test_id, name, context)

    return evaluate


def run_test(project: DbtProject, test_id: str, name: str, context: Context) -> CheckResult:
    """``dbt test --select <name>`` and its outcome as a check result."""
    context.log.info("dbt test --select %s", name)
    with _ONE_AT_A_TIME:
        invocation, results = project.run_with_results("test", [name])
    if invocation.output:
        context.log.info("%s", invocation.output)
    by_id = {r.get("unique_id"): r for r in (results or {}).get("results", []) if isinstance(r, Mapping)}
    result = by_id.get(test_id)
    if result is None:
        return CheckResult(
            passed=False,
            metadata={"dbt_unique_id": test_id},
            description=f"dbt test --select {name} did not run the test:\n{invocation.error_text}",
        )
    outcome = {
        "status": str(result.get("status")),
        "failures": result.get("failures"),
        "message": result.get("message"),
    }
    return dbt_test_result({"tests": {test_id: outcome}}, test_id)
