"""Run one step: load inputs, call the user's function, store outputs, run checks.

Returns the step's events and captured log instead of writing them: the
scheduling loop's caller appends them to storage. Runs in whichever process
the executor chose.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pydantic

from headwater.definitions import CheckResult, Context, Op, Output, Param, ParamKind, StepLogger
from headwater.definitions.builtin_checks import MATERIALIZED_AT
from headwater.definitions.check import CheckSpec
from headwater.errors import ConfigError, HeadwaterError, StepFailed
from headwater.events import CheckEvaluated, CheckSeverity, Event, EventType, StepFailedPayload
from headwater.execution.capture import capture, live_buffer
from headwater.execution.recording import json_safe, record_value
from headwater.graph import AssetGraph, Binding
from headwater.io import IOManager
from headwater.io.base import Staged
from headwater.keys import AssetKey


@dataclass(frozen=True, kw_only=True, slots=True)
class RunSpec:
    """What every step of a run needs to know; small and picklable."""

    run_id: str
    partition: str | None = None
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    partition_keys: tuple[str, ...] | None = None
    """Every partition of a run over a range (``partition`` is then None)."""
    inputs: Mapping[str, Mapping[str, str | tuple[str, ...] | None]] = field(default_factory=dict)
    """Op name -> input name -> the upstream partition(s) it reads, in partitioned runs."""
    subsets: Mapping[str, tuple[AssetKey, ...]] = field(default_factory=dict)
    """Op name -> the assets it computes in this run, for subsettable ops run in part."""
    recorded: Mapping[tuple[AssetKey, str | None], str] = field(default_factory=dict)
    """(Upstream key, partition) -> the value hash its latest materialization recorded, for this step."""
    staged: Mapping[tuple[AssetKey, str | None], str] = field(default_factory=dict)
    """(Upstream key, partition) -> the token of its value staged in this run and not yet published,
    which a step of the same publish group reads instead of the published one."""


@dataclass(frozen=True, kw_only=True)
class StepEnv:
    """The process-local things steps use: the graph, resources and IO managers."""

    graph: AssetGraph
    resources: Mapping[str, Any]
    io_managers: Mapping[str, IOManager]

    def io_for(self, key: AssetKey) -> IOManager:
        """The IO manager that stores ``key``."""
        name = self.graph.nodes[key].spec.io_manager
        manager = self.io_managers.get(name)
        if manager is None:
            raise ConfigError(
                f"asset '{key}' uses io_manager '{name}', which is not in Definitions(io_managers=...); "
                f"known: {', '.join(sorted(self.io_managers))}"
            )
        return manager


@dataclass(frozen=True, kw_only=True, slots=True)
class StepOutcome:
    """The events and log text of a finished step."""

    step_key: str
    events: list[Event]
    logs: str
    failed: bool = False
    blocked: bool = False
    staged: tuple[Staged, ...] = ()
    """Values stored held back until their checks pass (``ASSET_STAGED``): the run publishes them."""


def validate_config(op: Op, config: Mapping[str, Mapping[str, Any]]) -> Any:
    """The op's ``hw.Config`` value from run config (None if it takes none)."""
    params = op.params_of(ParamKind.CONFIG)
    if not params:
        return None
    model = params[0].annotation
    raw = config.get(op.name)
    if raw is None:
        raw = {}
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"run config for '{op.name}' is invalid ({model.__name__}): {problems}; "
            f"give it under '{op.name}:' in --config (YAML) or config={{'{op.name}': {{...}}}}"
        ) from None


def _arguments(
    params: Sequence[Param],
    binding: Binding,
    env: StepEnv,
    spec: RunSpec,
    context: Context,
    config: Any,
    values: Mapping[AssetKey, Any],
    mapped: Mapping[str, str | tuple[str, ...] | None] | None = None,
) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for param in params:
        if param.name in binding.inputs:
            key = binding.inputs[param.name]
            if mapped is not None and param.name in mapped:
                args[param.name] = _load_mapped(env, key, mapped[param.name])
                continue
            if key in values:
                args[param.name] = values[key]
            elif (key, spec.partition) in spec.staged:
                args[param.name] = env.io_for(key).load_staged(key, spec.partition, spec.staged[(key, spec.partition)])
            else:
                recorded = spec.recorded.get((key, spec.partition))
                manager = env.io_for(key)
                args[param.name] = (
                    manager.load(key, spec.partition)
                    if recorded is None
                    else manager.load_recorded(key, spec.partition, recorded)
                )
        elif param.name in binding.resources:
            args[param.name] = env.resources[binding.resources[param.name]]
        elif param.kind is ParamKind.CONTEXT:
            args[param.name] = context
        elif param.kind is ParamKind.CONFIG:
            args[param.name] = config
    return args


def _load_mapped(env: StepEnv, key: AssetKey, partitions: str | tuple[str, ...] | None) -> Any:
    """One upstream partition's value, or a dict by partition key for several."""
    manager = env.io_for(key)
    if partitions is None or isinstance(partitions, str):
        return manager.load(key, partitions)
    return {partition: manager.load(key, partition) for partition in partitions}


def _for_op(env: StepEnv, op: Op, spec: RunSpec) -> RunSpec:
    """The run spec as seen by ``op``: an unpartitioned asset in a partitioned run runs unpartitioned."""
    if env.graph.nodes[op.keys[0]].spec.partitions is None:
        return replace(spec, partition=None, partition_keys=None)
    return spec


def _unranged(outputs: Mapping[AssetKey, Any], partition: str | None) -> list[tuple[AssetKey, str | None, Any]]:
    return [(key, partition, result) for key, result in outputs.items()]


def _per_partition(outputs: Mapping[AssetKey, Any], spec: RunSpec) -> Iterator[tuple[AssetKey, str | None, Any]]:
    """(key, partition, result) to store for a run over a range: one per output and partition."""
    keys = spec.partition_keys or ()
    for key, result in outputs.items():
        value = result.value if isinstance(result, Output) else result
        if not isinstance(value, Mapping) or set(value) != set(keys):
            raise HeadwaterError(
                f"asset '{key}' ran once over {len(keys)} partitions "
                f"({keys[0]}...{keys[-1]}) and must return a dict "
                "{partition_key: value} with exactly those keys (see context.partition_keys); "
                f"it returned {type(value).__name__}"
            )
        for partition in keys:
            part = value[partition]
            if isinstance(result, Output) and not isinstance(part, Output):
                part = Output(part, metadata=result.metadata)
            yield key, partition, part


def _split_outputs(op: Op, result: Any, keys: tuple[AssetKey, ...], *, partial: bool = False) -> dict[AssetKey, Any]:
    """Output values by key; ``keys`` are the ones this run computes, ``partial`` allows fewer (a failed step)."""
    if not op.multi:
        return {op.outs[0][1]: result}
    outs = [(name, key) for name, key in op.outs if key in keys] if keys != op.keys else list(op.outs)
    names = [name for name, _ in outs]
    if isinstance(result, Mapping):
        missing = [n for n in names if n not in result]
        if missing and not partial:
            raise HeadwaterError(
                f"multi-asset '{op.name}' returned no value for output(s) {', '.join(missing)}; "
                f"return a dict with keys {', '.join(names)}"
            )
        return {key: result[name] for name, key in outs if name in result}
    if isinstance(result, tuple) and len(result) == len(names):
        return {key: value for (_, key), value in zip(outs, result, strict=True)}
    raise HeadwaterError(
        f"multi-asset '{op.name}' must return a dict keyed by output name ({', '.join(names)}) "
        f"or a tuple of {len(names)} values; it returned {type(result).__name__}"
    )


def _failure(step_key: str, keys: Sequence[AssetKey], spec: RunSpec, exc: BaseException) -> Event:
    error = exc if isinstance(exc, HeadwaterError) else StepFailed(step_key, f"{type(exc).__name__}: {exc}")
    return Event(
        run_id=spec.run_id,
        type=EventType.STEP_FAILED,
        step_key=step_key,
        partition=spec.partition,
        data=StepFailedPayload(
            error=str(error), traceback="".join(traceback.format_exception(exc)), asset_keys=tuple(keys)
        ).to_data(),
    )


def _run_check(
    chk: CheckSpec,
    step_key: str,
    env: StepEnv,
    spec: RunSpec,
    log: StepLogger,
    values: Mapping[AssetKey, Any],
    materialized_at: float | None = None,
) -> Event:
    context = Context(
        run_id=spec.run_id,
        asset_keys=(chk.asset_key,),
        partition_key=spec.partition,
        resources=env.resources,
        log=log,
    )
    passed = False
    metadata: dict[str, Any] = {}
    description: str | None = None
    error: str | None = None
    try:
        args = _arguments(chk.params, env.graph.check_bindings[chk.id], env, spec, context, None, values)
        if any(p.name == MATERIALIZED_AT for p in chk.params):  # e.g. hw.checks.freshness
            args[MATERIALIZED_AT] = materialized_at if materialized_at is not None else time.time()
        result = chk.fn(**args)
        if not isinstance(result, CheckResult):
            raise HeadwaterError(
                f"check '{chk.id}' returned {type(result).__name__}; return hw.CheckResult(passed=...)"
            )
        passed = bool(result.passed)
        metadata = json_safe(result.metadata) if result.metadata else {}
        description = result.description or None
    except Exception as exc:
        log.error("check %s raised %s: %s", chk.id, type(exc).__name__, exc)
        error = f"{type(exc).__name__}: {exc}"
    evaluated = CheckEvaluated(
        check=chk.name,
        passed=passed,
        severity=CheckSeverity(chk.severity),
        blocking=chk.blocking,
        metadata=metadata,
        description=description,
        error=error,
    )
    return Event(
        run_id=spec.run_id,
        type=EventType.CHECK_EVALUATED,
        step_key=step_key,
        asset_key=chk.asset_key,
        partition=spec.partition,
        data=evaluated.to_data(),
    )


def run_checks(
    env: StepEnv,
    key: AssetKey,
    spec: RunSpec,
    *,
    names: Sequence[str] | None = None,
    materialized_at: float | None = None,
) -> StepOutcome:
    """Evaluate ``key``'s checks (or those in ``names``) against its stored value, without materializing it.

    A value that cannot be loaded is recorded as an error of each check; never raises for user errors.
    """
    checks = [chk for chk in env.graph.checks.get(key, ()) if names is None or chk.name in names]
    step_key = key.to_string()
    buffer = live_buffer(spec.run_id, step_key)
    log = StepLogger(step_key, buffer.write)
    events: list[Event] = []
    with capture(buffer):
        values: dict[AssetKey, Any] = {}
        try:
            values[key] = env.io_for(key).load(key, spec.partition)
        except Exception as exc:
            log.error("cannot load the value of %s: %s", step_key, exc)
            values = {}
        for chk in checks:
            events.append(_run_check(chk, step_key, env, spec, log, values, materialized_at))
    return StepOutcome(step_key=step_key, events=events, logs=buffer.finish())


def run_step(env: StepEnv, op_name: str, spec: RunSpec) -> StepOutcome:
    """Run the op ``op_name`` for the run ``spec``, then its checks; never raises for user errors."""
    op = env.graph.ops[op_name]
    keys = spec.subsets.get(op_name, op.keys) if spec.subsets else op.keys
    partitioned = spec.partition is not None or bool(spec.partition_keys)
    if partitioned:
        spec = _for_op(env, op, spec)
    checks = [chk for key in keys for chk in env.graph.checks.get(key, ())]
    buffer = live_buffer(spec.run_id, op_name)
    log = StepLogger(op_name, buffer.write)
    events: list[Event] = []
    with capture(buffer):
        try:
            config = validate_config(op, spec.config)
            context = Context(
                run_id=spec.run_id,
                asset_keys=keys,
                partition_key=spec.partition,
                resources=env.resources,
                log=log,
                config=config,
                partition_keys=spec.partition_keys,
                partitions=env.graph.nodes[keys[0]].spec.partitions if partitioned else None,
            )
            mapped = spec.inputs.get(op_name) if spec.inputs else None
            args = _arguments(op.params, env.graph.bindings[op_name], env, spec, context, config, {}, mapped)
            partial: StepFailed | None = None
            try:
                result = op.fn(**args)
            except StepFailed as failed:
                if not failed.outputs:
                    raise
                partial, result = failed, failed.outputs  # store what was made, then fail the step
            outputs = _split_outputs(op, result, keys, partial=partial is not None)
            values: dict[AssetKey, Any] = {}
            staged: list[Staged] = []
            held = env.graph.publishing.after_checks
            stores = _per_partition(outputs, spec) if spec.partition_keys else _unranged(outputs, spec.partition)
            for key, partition, result in stores:
                value, event = record_value(
                    env.io_for(key),
                    key,
                    partition,
                    result,
                    run_id=spec.run_id,
                    step_key=op_name,
                    code_version=env.graph.nodes[key].spec.code_version,
                    extra=context.metadata_for(key),
                    stage=key in held,
                )
                values[key] = value
                events.append(event)
                if event.type is EventType.ASSET_STAGED:
                    staged.append(Staged(key, partition, spec.run_id))
        except Exception as exc:
            log.error("%s", "".join(traceback.format_exception_only(exc)).strip())
            return StepOutcome(
                step_key=op_name,
                events=[_failure(op_name, keys, spec, exc)],
                logs=buffer.finish(),
                failed=True,
            )
        blocked = False
        for chk in checks:
            if partial is not None and chk.asset_key not in values:
                continue
            event = _run_check(chk, op_name, env, spec, log, values)
            events.append(event)
            blocked = blocked or CheckEvaluated.from_data(event.data).blocks_downstream
        if partial is not None:
            log.error("%s", partial)
            unmade = tuple(key for key in keys if key not in values)
            events.append(_failure(op_name, unmade, spec, partial))
            return StepOutcome(step_key=op_name, events=events, logs=buffer.finish(), failed=True, staged=tuple(staged))
    return StepOutcome(step_key=op_name, events=events, logs=buffer.finish(), blocked=blocked, staged=tuple(staged))
