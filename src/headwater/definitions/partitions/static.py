"""``hw.StaticPartitions`` (a fixed list of keys) and ``hw.DynamicPartitions`` (keys kept in storage)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from headwater.definitions.partitions.base import (
    MULTI_SEPARATOR,
    RANGE_SEPARATOR,
    KeyContext,
    PartitionsDefinition,
    describe_keys,
)
from headwater.errors import DefinitionError


def check_partition_key(key: object, where: str) -> str:
    """Return ``key`` if it can name a partition; raise DefinitionError saying why not."""
    if not isinstance(key, str) or not key or key != key.strip():
        raise DefinitionError(f"{where}: partition key {key!r} must be a non-empty string without surrounding spaces")
    for bad in (MULTI_SEPARATOR, RANGE_SEPARATOR, ","):
        if bad in key:
            raise DefinitionError(
                f"{where}: partition key {key!r} contains {bad!r}, which Headwater uses to join "
                "or range keys; use another character such as '-' or '_'"
            )
    return key


@dataclass(frozen=True, init=False)
class StaticPartitions(PartitionsDefinition):
    """A fixed, ordered list of partition keys, e.g. ``hw.StaticPartitions(["us", "eu"])``."""

    partition_keys: tuple[str, ...]

    def __init__(self, partition_keys: Iterable[str]) -> None:
        if isinstance(partition_keys, str) or not isinstance(partition_keys, Iterable):
            raise DefinitionError(
                f"StaticPartitions needs a list of keys, e.g. StaticPartitions(['us', 'eu']); got {partition_keys!r}"
            )
        keys = tuple(check_partition_key(k, "StaticPartitions") for k in partition_keys)
        if not keys:
            raise DefinitionError("StaticPartitions needs at least one key, e.g. StaticPartitions(['us', 'eu'])")
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise DefinitionError(f"StaticPartitions lists {key!r} twice; keys must be unique")
            seen.add(key)
        object.__setattr__(self, "partition_keys", keys)

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {key: i for i, key in enumerate(self.partition_keys)}

    def keys(self, ctx: KeyContext | None = None) -> Sequence[str]:
        return self.partition_keys

    def position(self, key: str, ctx: KeyContext | None = None) -> int | None:
        return self._positions.get(key)

    def describe(self) -> str:
        return f"StaticPartitions [{describe_keys(self.partition_keys)}]"


@dataclass(frozen=True, init=False)
class DynamicPartitions(PartitionsDefinition):
    """Keys added and removed at run time (Python, CLI or sensors), stored by ``name`` in the event log.

    ``instance.add_dynamic_partitions("customers", ["acme"])`` or
    ``headwater partitions add customers acme`` adds keys.
    """

    name: str

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name.replace("_", "a").replace("-", "a").isalnum():
            raise DefinitionError(
                f"DynamicPartitions name {name!r} must use letters, digits, '_' and '-', e.g. "
                "DynamicPartitions('customers')"
            )
        object.__setattr__(self, "name", name)

    def keys(self, ctx: KeyContext | None = None) -> Sequence[str]:
        if ctx is None:
            return ()
        return tuple(ctx.dynamic.get(self.name, ()))

    def describe(self) -> str:
        return f"DynamicPartitions '{self.name}'"

    def key_hint(self, key: str) -> str:
        return f"; add it with `headwater partitions add {self.name} {key}` or instance.add_dynamic_partitions"


@dataclass(frozen=True, init=False)
class DynamicPartitionsRequest:
    """Keys a sensor adds to (and deletes from) a ``hw.DynamicPartitions`` set.

    Return it in ``hw.SensorResult(dynamic_partitions_requests=[...])``; the daemon applies it
    before queuing the sensor's run requests, so those may name the new keys.
    """

    name: str
    add: tuple[str, ...]
    delete: tuple[str, ...]

    def __init__(
        self, partitions: DynamicPartitions | str, *, add: Iterable[str] = (), delete: Iterable[str] = ()
    ) -> None:
        name = partitions.name if isinstance(partitions, DynamicPartitions) else DynamicPartitions(partitions).name
        where = f"hw.DynamicPartitionsRequest('{name}')"
        for what, keys in (("add", add), ("delete", delete)):
            if isinstance(keys, str):
                raise DefinitionError(f"{where}: {what}= must be a list of keys, e.g. {what}=['acme']")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "add", tuple(check_partition_key(k, where) for k in add))
        object.__setattr__(self, "delete", tuple(check_partition_key(k, where) for k in delete))
