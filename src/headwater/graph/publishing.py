"""Which assets of a graph are held back until their checks pass, and which are published together:
the assets' ``publish=`` and the Definitions' default and ``publish_groups``, resolved and checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from headwater.definitions import Definitions
from headwater.definitions.publish import AFTER_CHECKS, PublishGroup
from headwater.errors import DefinitionError, did_you_mean
from headwater.keys import AssetKey

if TYPE_CHECKING:
    from headwater.definitions import AssetSpec


@dataclass(frozen=True, kw_only=True)
class Publishing:
    """``after_checks``: the assets whose new values are staged and published after their checks;
    ``groups``: each grouped asset's ``PublishGroup``."""

    after_checks: frozenset[AssetKey] = frozenset()
    groups: Mapping[AssetKey, PublishGroup] = field(default_factory=dict)

    @classmethod
    def of(cls, defs: Definitions, specs: Mapping[AssetKey, AssetSpec[..., Any]]) -> Publishing:
        """Resolve ``defs``; raises DefinitionError for a group naming an unknown or source asset, or
        an asset held back by an IO manager of ``defs`` that cannot stage values."""
        groups: dict[AssetKey, PublishGroup] = {}
        for group in defs.publish_groups:
            for key in group.keys:
                spec = specs.get(key)
                if spec is None:
                    names = [k.to_string() for k in specs]
                    raise DefinitionError(
                        f"publish group '{group.name}' names '{key}', which is not an asset of these "
                        f"definitions{did_you_mean(key.to_string(), names)}: fix the key or add the asset"
                    )
                if spec.op is None:
                    raise DefinitionError(
                        f"publish group '{group.name}' names the source asset '{key}': Headwater does not "
                        "store source assets, so it cannot hold them back; take it out of the group"
                    )
                groups[key] = group
        held = {
            key
            for key, spec in specs.items()
            if spec.op is not None and (key in groups or (spec.publish or defs.publish) == AFTER_CHECKS)
        }
        for key in sorted(held, key=str):
            name = specs[key].io_manager
            manager = defs.io_managers.get(name)
            if manager is not None and not getattr(manager, "supports_staging", False):
                why = f"is in publish group '{groups[key].name}'" if key in groups else "has publish='after_checks'"
                raise DefinitionError(
                    f"asset '{key}' {why}, but its IO manager '{name}' ({type(manager).__name__}) cannot "
                    "stage values: use a built-in IO manager (filesystem, Parquet, DuckDB), implement its "
                    "stage/publish/discard/load_staged with supports_staging = True, or publish it immediately"
                )
        return cls(after_checks=frozenset(held), groups=groups)
