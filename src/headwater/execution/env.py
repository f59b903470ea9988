"""Build the process-local step environment: resolved resources and IO managers.

Used by the in-process executor and by each worker process once at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headwater.definitions import DEFAULT_IO_MANAGER, Definitions, Resource
from headwater.errors import ConfigError
from headwater.execution.step import StepEnv
from headwater.graph import AssetGraph
from headwater.io import IOManager


def resolve_resources(defs: Definitions) -> dict[str, Any]:
    """Resources with environment variables read and ``setup()`` called."""
    out: dict[str, Any] = {}
    for name, value in defs.resources.items():
        resource = value.resolved(name=name) if isinstance(value, Resource) else value
        if isinstance(resource, Resource):
            try:
                resource.setup()
            except Exception as exc:
                raise ConfigError(
                    f"resource '{name}' failed in setup(): {type(exc).__name__}: {exc}; fix the resource's "
                    "settings in Definitions(resources=...) or what its setup() connects to"
                ) from exc
        out[name] = resource
    return out


def teardown_resources(resources: Mapping[str, Any]) -> None:
    """Call ``teardown()`` on each resource, ignoring none of their errors silently."""
    for value in resources.values():
        if isinstance(value, Resource):
            value.teardown()


def io_managers_for(defs: Definitions, default: IOManager) -> dict[str, IOManager]:
    """The Definitions' IO managers, with ``default`` unless the user replaced it."""
    managers: dict[str, IOManager] = {DEFAULT_IO_MANAGER: default}
    for name, manager in defs.io_managers.items():
        if not isinstance(manager, IOManager):
            raise ConfigError(
                f"io_managers['{name}'] is {type(manager).__name__}, not an IO manager: subclass headwater.io.IOManager"
            )
        managers[name] = manager
    return managers


def build_env(defs: Definitions, default_io: IOManager, graph: AssetGraph | None = None) -> StepEnv:
    """A StepEnv for ``defs`` (resources resolved and set up); ``graph`` is its graph when already built."""
    return StepEnv(
        graph=graph if graph is not None else AssetGraph.from_definitions(defs),
        resources=resolve_resources(defs),
        io_managers=io_managers_for(defs, default_io),
    )
