"""Splitting a subsettable multi-asset whose outputs sit on both sides of another step.

A dbt project is one subsettable op; when a Python asset reads one of its models and another of
its models reads that Python asset, one step cannot run both. The op is split into as many ops as
such round trips need (``name``, ``name_2``, ...), each computing its outputs only. Pure: specs in,
specs out, when the graph is built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from headwater.definitions import AssetSpec, Op
from headwater.errors import DefinitionError
from headwater.keys import AssetKey

B = TypeVar("B")


def split_round_trips(
    specs: Mapping[AssetKey, AssetSpec[..., Any]],
    bindings: Mapping[str, B],
    parents: Mapping[AssetKey, set[AssetKey]],
    order: Sequence[AssetKey],
) -> tuple[dict[AssetKey, AssetSpec[..., Any]], dict[str, B]]:
    """``specs`` with each subsettable multi-asset split where a path leaves it and comes back, and the
    bindings of the ops (a part of an op is fed like the op)."""
    candidates = {
        spec.op.name: spec.op
        for spec in specs.values()
        if spec.op is not None and spec.op.subsettable and len(spec.op.outs) > 1
    }
    if not candidates:
        return dict(specs), dict(bindings)
    out = dict(specs)
    bound = dict(bindings)
    names = {spec.op.name for spec in specs.values() if spec.op is not None}
    for op in candidates.values():
        level = _levels(op, parents, order)
        if max(level.values(), default=0) == 0:
            continue
        for depth in sorted(set(level.values())):
            name = op.name if depth == 0 else f"{op.name}_{depth + 1}"
            if depth and name in names:
                raise DefinitionError(
                    f"multi-asset '{op.name}' ({op.site}) must run in {max(level.values()) + 1} steps, as assets "
                    f"downstream of it feed it again, and its step '{name}' would take the name of another "
                    "computation: rename that one with name="
                )
            part = dataclasses.replace(op, name=name, outs=tuple((n, k) for n, k in op.outs if level[k] == depth))
            bound[name] = bindings[op.name]
            for _, key in part.outs:
                out[key] = dataclasses.replace(out[key], op=part)
    return out, bound


def _levels(op: Op, parents: Mapping[AssetKey, set[AssetKey]], order: Sequence[AssetKey]) -> dict[AssetKey, int]:
    """For each output of ``op``: how many times a path from ``op``'s outputs leaves ``op`` and comes back."""
    mine = set(op.keys)
    reach: dict[AssetKey, int] = {}  # the deepest level of op's outputs upstream of each asset (-1: none)
    level: dict[AssetKey, int] = {}
    for key in order:
        ups = parents.get(key, ())
        if key in mine:
            found = [level[p] if p in mine else reach[p] + 1 for p in ups if p in mine or reach.get(p, -1) >= 0]
            level[key] = reach[key] = max(found, default=0)
        else:
            reach[key] = max((reach.get(p, -1) for p in ups), default=-1)
    return level
