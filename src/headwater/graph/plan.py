"""Planning: turn a set of selected asset keys into steps with dependencies.

Pure: reads the graph, never storage. One step per op; a step waits for the
steps that produce its upstream assets, and loads other inputs from earlier runs.
"""

from __future__ import annotations

import graphlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from headwater.definitions import CheckSpec, Op
from headwater.errors import CycleError
from headwater.gcpause import gc_paused
from headwater.graph.asset_graph import AssetGraph, Binding
from headwater.keys import AssetKey


@dataclass(frozen=True, kw_only=True, slots=True)
class Step:
    """One unit of work: run an op, store its outputs, evaluate its checks (or, in a check-only
    plan, only evaluate the checks of one asset's stored value: then ``binding`` is None, and
    ``op`` too for a source asset)."""

    key: str
    op: Op | None
    binding: Binding | None
    asset_keys: tuple[AssetKey, ...]
    upstream_steps: frozenset[str]
    external_inputs: frozenset[AssetKey]
    checks: tuple[CheckSpec, ...]
    partitioned: bool = False
    """Whether the step's assets are partitioned (its events then carry the run's partition)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    """Steps in a topological order, and what the run will materialize."""

    steps: Mapping[str, Step]
    asset_keys: tuple[AssetKey, ...]
    skipped_sources: tuple[AssetKey, ...]

    @property
    def subsets(self) -> dict[str, tuple[AssetKey, ...]]:
        """Step key -> the assets it computes, for subsettable ops of which only some assets run."""
        return {
            key: step.asset_keys
            for key, step in self.steps.items()
            if step.op is not None and step.binding is not None and step.asset_keys != step.op.keys
        }

    @property
    def external_inputs(self) -> frozenset[AssetKey]:
        """Upstream keys read from earlier materializations."""
        out: set[AssetKey] = set()
        for step in self.steps.values():
            out.update(step.external_inputs)
        return frozenset(out)

    def downstream_of(self, step_key: str) -> set[str]:
        """Every step that (transitively) waits for ``step_key``."""
        children: dict[str, list[str]] = {}
        for step in self.steps.values():
            for up in step.upstream_steps:
                children.setdefault(up, []).append(step.key)
        seen: set[str] = set()
        stack = [step_key]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen


_NONE: frozenset[str] = frozenset()
_NO_KEYS: frozenset[AssetKey] = frozenset()


def plan(graph: AssetGraph, keys: Iterable[AssetKey]) -> Plan:
    """Plan the materialization of ``keys``.

    A whole op runs when any of its assets is selected, except a subsettable op, which
    computes only its selected assets.
    """
    with gc_paused():  # many small objects, no cycles: see headwater.gcpause
        return _plan(graph, keys)


def check_plan(graph: AssetGraph, keys: Sequence[AssetKey], names: Collection[str] | None = None) -> Plan:
    """A check-only plan: one independent step per asset of ``keys`` (named by its key) that evaluates
    its checks (those in ``names``, if given) on its stored value."""
    steps: dict[str, Step] = {}
    for key in keys:
        spec = graph.nodes[key].spec
        steps[key.to_string()] = Step(
            key=key.to_string(),
            op=spec.op,
            binding=None,
            asset_keys=(key,),
            upstream_steps=_NONE,
            external_inputs=_NO_KEYS,
            checks=tuple(c for c in graph.checks.get(key, ()) if names is None or c.name in names),
            partitioned=spec.partitions is not None,
        )
    return Plan(steps=steps, asset_keys=tuple(keys), skipped_sources=())


def outside_plan(keys: Sequence[AssetKey], *, partitioned: bool = False) -> Plan:
    """A plan of outside work: one independent step per asset of ``keys`` (named by its key) that
    records data made outside Headwater (a source asset's ``observe=`` function, or a report)."""
    steps = {
        key.to_string(): Step(
            key=key.to_string(),
            op=None,
            binding=None,
            asset_keys=(key,),
            upstream_steps=_NONE,
            external_inputs=_NO_KEYS,
            checks=(),
            partitioned=partitioned,
        )
        for key in keys
    }
    return Plan(steps=steps, asset_keys=tuple(keys), skipped_sources=())


def _plan(graph: AssetGraph, keys: Iterable[AssetKey]) -> Plan:
    selected = set(keys)
    ordered = graph.sort(selected)
    step_of: dict[AssetKey, str] = {}
    ops: dict[str, Op] = {}
    sources: list[AssetKey] = []
    for key in ordered:
        op = graph.nodes[key].spec.op
        if op is None:
            sources.append(key)
            continue
        ops.setdefault(op.name, op)
    keys_of = {
        name: tuple(k for k in op.keys if k in selected) if op.subsettable else op.keys for name, op in ops.items()
    }
    for name, out_keys in keys_of.items():
        for out_key in out_keys:
            step_of[out_key] = name
    steps: dict[str, Step] = {}
    for name, op in ops.items():
        upstream: set[str] = set()
        external: set[AssetKey] = set()
        binding = graph.bindings[name]
        loaded = set(binding.inputs.values())
        for out_key in keys_of[name]:
            for parent in graph.nodes[out_key].parents:
                producer = step_of.get(parent)
                if producer is not None and producer != name:
                    upstream.add(producer)
                elif producer is None and parent in loaded:
                    external.add(parent)
        checks: list[CheckSpec] = []
        for out_key in keys_of[name]:
            checks.extend(graph.checks.get(out_key, ()))
        steps[name] = Step(
            key=name,
            op=op,
            binding=binding,
            asset_keys=keys_of[name],
            upstream_steps=frozenset(upstream) if upstream else _NONE,
            external_inputs=frozenset(external) if external else _NO_KEYS,
            checks=tuple(checks),
            partitioned=graph.nodes[op.keys[0]].spec.partitions is not None,
        )
    if any(len(keys) > 1 for keys in keys_of.values()):  # only a multi-asset step can close a loop
        _refuse_step_cycles(steps)
    produced = tuple(step_of)  # ops are in topological order, and each op's outputs come together
    return Plan(steps=steps, asset_keys=produced, skipped_sources=tuple(sources))


def _refuse_step_cycles(steps: Mapping[str, Step]) -> None:
    """Raise CycleError when steps wait for each other: a multi-asset with assets on both sides of another step."""
    sorter = graphlib.TopologicalSorter({key: step.upstream_steps for key, step in steps.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        loop = [str(k) for k in exc.args[1]]
        middle = next((k for k in loop if len(steps[k].asset_keys) == 1), loop[0])
        raise CycleError(
            f"steps {' -> '.join(repr(k) for k in loop)} wait for each other: a step computes assets both "
            f"upstream and downstream of '{middle}'; materialize them in separate runs "
            f"(e.g. --select '+{middle}' and then '{middle}+'), or split the multi-asset"
        ) from None
