"""``hw.materialize``: run assets in-process from Python, the way users unit-test pipelines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from headwater.definitions import Definitions
from headwater.instance.instance import Instance
from headwater.instance.result import RunResult


def materialize(
    assets: Definitions | Sequence[Any],
    select: str | None = None,
    *,
    partition: str | None = None,
    instance: Instance | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    resources: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    raise_on_error: bool = False,
) -> RunResult:
    """Materialize ``assets`` (a Definitions or a list of assets) and return the result.

    Without ``instance``, an ephemeral in-memory instance is used, so tests leave
    nothing behind. ``select`` uses the selection language (default: everything).
    """
    if isinstance(assets, Definitions):
        defs = assets
        if resources:
            from dataclasses import replace

            defs = replace(defs, resources={**defs.resources, **resources})
    else:
        defs = Definitions(assets=list(assets), resources=dict(resources or {}))
    owned = instance is None
    inst = instance or Instance.ephemeral()
    try:
        result = inst.materialize(defs, select, partition=partition, config=config, tags=tags)
    finally:
        if owned:
            inst.storage.close()
    return result.raise_on_failure() if raise_on_error else result
