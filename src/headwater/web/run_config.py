"""Run config checked in the web process before a launch: each selected asset that takes an
``hw.Config`` gets its fields validated against that pydantic model (no user function runs).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pydantic

from headwater.definitions.params import ParamKind
from headwater.graph import AssetGraph
from headwater.keys import AssetKey


def config_models(graph: AssetGraph, keys: Collection[AssetKey]) -> dict[str, type[pydantic.BaseModel]]:
    """Op name -> its config model, for the ops computing ``keys`` that take one."""
    out: dict[str, type[pydantic.BaseModel]] = {}
    for name, op in graph.ops.items():
        params = op.params_of(ParamKind.CONFIG)
        if params and any(key in keys for key in op.keys):
            out[name] = params[0].annotation
    return out


def config_problems(
    graph: AssetGraph, keys: Collection[AssetKey], config: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """What is wrong with ``config`` for a run of ``keys``: unknown names and invalid fields."""
    problems: list[str] = []
    unknown = sorted(name for name in config if name not in graph.ops)
    if unknown:
        problems.append(f"run config names {', '.join(unknown)}, which is not an asset computed in these definitions")
    for name, model in sorted(config_models(graph, keys).items()):
        try:
            model.model_validate(config.get(name) or {})
        except pydantic.ValidationError as exc:
            fields = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
            )
            problems.append(
                f"run config for '{name}' is invalid ({model.__name__}): {fields}; "
                f'give it as {{"{name}": {{...}}}} in the run config'
            )
    return problems


def config_schemas(graph: AssetGraph, keys: Collection[AssetKey]) -> dict[str, dict[str, Any]]:
    """Op name -> the JSON schema of its config model, to show what the run config may hold."""
    return {name: model.model_json_schema() for name, model in sorted(config_models(graph, keys).items())}
