"""``hw.MultiPartitions``: the product of several partition definitions, keys joined with ``|``.

``MultiPartitions({"date": hw.DailyPartitions(start="2026-01-01"), "region": hw.StaticPartitions(["us", "eu"])})``
has keys like ``2026-01-01|us``; the first dimension varies slowest. Any number of dimensions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from headwater.definitions.partitions.base import (
    MULTI_SEPARATOR,
    IndexedKeys,
    KeyContext,
    PartitionsDefinition,
    TimeWindow,
)
from headwater.errors import DefinitionError, SelectionError


@dataclass(frozen=True, init=False)
class MultiPartitions(PartitionsDefinition):
    """Partitions along several named dimensions; a key has one part per dimension, in order."""

    dimensions: tuple[tuple[str, PartitionsDefinition], ...]

    def __init__(self, dimensions: Mapping[str, PartitionsDefinition]) -> None:
        if not isinstance(dimensions, Mapping) or len(dimensions) < 2:
            raise DefinitionError(
                "MultiPartitions needs a dict of at least two named dimensions, e.g. "
                "MultiPartitions({'date': hw.DailyPartitions(start='2026-01-01'), "
                "'region': hw.StaticPartitions(['us'])})"
            )
        for name, definition in dimensions.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise DefinitionError(f"MultiPartitions dimension name {name!r} must be an identifier such as 'date'")
            if isinstance(definition, MultiPartitions) or not isinstance(definition, PartitionsDefinition):
                raise DefinitionError(
                    f"MultiPartitions dimension '{name}' must be a single partitions definition "
                    f"(StaticPartitions, DailyPartitions, DynamicPartitions, ...), got {definition!r}"
                )
        object.__setattr__(self, "dimensions", tuple(dimensions.items()))

    @property
    def names(self) -> tuple[str, ...]:
        """The dimension names in key order."""
        return tuple(name for name, _ in self.dimensions)

    def dimension(self, name: str) -> PartitionsDefinition:
        """The definition of dimension ``name``; raises DefinitionError for an unknown one."""
        for dim, definition in self.dimensions:
            if dim == name:
                return definition
        raise DefinitionError(f"MultiPartitions has no dimension {name!r}; dimensions: {', '.join(self.names)}")

    def split(self, key: str) -> list[str]:
        """The per-dimension parts of ``key``."""
        return key.split(MULTI_SEPARATOR)

    def keys(self, ctx: KeyContext | None = None) -> Sequence[str]:
        per_dim = [definition.keys(ctx) for _, definition in self.dimensions]
        sizes = [len(keys) for keys in per_dim]
        total = 1
        for size in sizes:
            total *= size

        def key_at(index: int) -> str:
            parts = []
            for keys, size in zip(reversed(per_dim), reversed(sizes), strict=True):
                index, position = divmod(index, size)
                parts.append(keys[position])
            return MULTI_SEPARATOR.join(reversed(parts))

        def index_of(key: str) -> int | None:
            parts = key.split(MULTI_SEPARATOR)
            if len(parts) != len(per_dim):
                return None
            index = 0
            for (_, definition), part, size in zip(self.dimensions, parts, sizes, strict=True):
                position = definition.position(part, ctx)
                if position is None:
                    return None
                index = index * size + position
            return index

        return IndexedKeys(key_at, index_of, total)

    def validate_key(self, key: str, ctx: KeyContext | None = None, *, owner: str = "") -> int:
        parts = key.split(MULTI_SEPARATOR) if isinstance(key, str) else []
        if len(parts) != len(self.dimensions):
            where = f" of {owner}" if owner else ""
            example = MULTI_SEPARATOR.join(f"<{name}>" for name in self.names)
            raise SelectionError(
                f"partition {key!r}{where} needs one part per dimension joined by '{MULTI_SEPARATOR}': {example}"
            )
        for (name, definition), part in zip(self.dimensions, parts, strict=True):
            definition.validate_key(part, ctx, owner=f"{owner} dimension '{name}'".strip())
        return super().validate_key(key, ctx, owner=owner)

    def time_window(self, key: str) -> TimeWindow | None:
        for (_, definition), part in zip(self.dimensions, key.split(MULTI_SEPARATOR), strict=False):
            window = definition.time_window(part)
            if window is not None:
                return window
        return None

    def describe(self) -> str:
        inner = ", ".join(f"{name}: {definition.describe()}" for name, definition in self.dimensions)
        return f"MultiPartitions({inner})"
