"""Partition mappings: which upstream partitions a downstream partition reads.

Defaults do what users expect (``default_mapping``): same partitions map one to one,
a partitioned upstream of an unpartitioned asset maps to all its partitions, time
windows of different grain map to the overlapping windows, and a multi-partition maps
to the dimension that matches. A mapping returns one key (the input loads that value)
or a tuple of keys (the input loads a dict by partition key). Pure: no I/O.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from headwater.definitions.partitions.base import (
    EMPTY_CONTEXT,
    KeyContext,
    PartitionsDefinition,
    TimeWindow,
    describe_keys,
)
from headwater.definitions.partitions.multi import MultiPartitions
from headwater.definitions.partitions.time_window import TimeWindowPartitions
from headwater.errors import DefinitionError, SelectionError, did_you_mean

UpstreamKeys = str | tuple[str, ...] | None
"""One upstream partition, several (loaded as a dict), or None for an unpartitioned upstream."""


class PartitionMapping(ABC):
    """Maps a downstream partition key to the upstream partition keys it reads."""

    def check(self, down: PartitionsDefinition | None, up: PartitionsDefinition, where: str) -> None:
        """Raise DefinitionError when this mapping cannot work between ``down`` and ``up``."""
        if down is None:
            raise DefinitionError(
                f"{where}: {type(self).__name__} needs a partitioned downstream asset; "
                "use hw.AllPartitions() or hw.LastPartition() for an unpartitioned one"
            )

    @abstractmethod
    def for_key(
        self, down: PartitionsDefinition | None, key: str | None, up: PartitionsDefinition, ctx: KeyContext
    ) -> str | tuple[str, ...]:
        """The upstream key(s) of downstream partition ``key`` (None when the downstream is unpartitioned)."""

    def upstream(
        self,
        down: PartitionsDefinition | None,
        keys: Sequence[str],
        up: PartitionsDefinition,
        ctx: KeyContext = EMPTY_CONTEXT,
    ) -> str | tuple[str, ...]:
        """The upstream key(s) of downstream partitions ``keys`` (one key, or a range)."""
        if not keys:
            return self.for_key(down, None, up, ctx)
        if len(keys) == 1:
            return self.for_key(down, keys[0], up, ctx)
        out: dict[str, None] = {}
        for key in keys:
            found = self.for_key(down, key, up, ctx)
            out.update(dict.fromkeys((found,) if isinstance(found, str) else found))
        return tuple(out)


@dataclass(frozen=True)
class IdentityMapping(PartitionMapping):
    """Partition ``k`` reads upstream partition ``k`` (the default between equal partitions)."""

    def check(self, down: PartitionsDefinition | None, up: PartitionsDefinition, where: str) -> None:
        super().check(down, up, where)
        if down is None or down == up:
            return
        if _same_windows(down, up):
            return  # the same windows from another start: keys outside the upstream are checked per run
        if isinstance(down, TimeWindowPartitions) or isinstance(up, TimeWindowPartitions):
            raise DefinitionError(
                f"{where}: IdentityMapping maps each partition to the same key, but the assets are partitioned "
                f"differently ({down.describe()} downstream, {up.describe()} upstream); use "
                "hw.TimeWindowMapping() for time windows, or give both assets the same partitions"
            )
        up_keys, down_keys = up.keys(), down.keys()
        if not up_keys or not down_keys:
            return  # dynamic keys are checked when a run reads them
        absent = [k for k in down_keys if up.position(k) is None]
        if absent:
            raise DefinitionError(
                f"{where}: IdentityMapping maps each partition to the same key, but downstream partitions "
                f"{describe_keys(absent)} are not partitions upstream ({up.describe()}); "
                "map them with hw.StaticMapping({upstream_key: downstream_key, ...})"
            )

    def for_key(
        self, down: PartitionsDefinition | None, key: str | None, up: PartitionsDefinition, ctx: KeyContext
    ) -> str | tuple[str, ...]:
        if key is not None and (down is up or down == up):
            return key  # same definition: the run checked the key already
        if key is None or up.position(key, ctx) is None:
            raise SelectionError(
                f"partition {key!r} has no partition of the same key upstream ({up.describe()}); "
                "give the input a partition_mappings= entry such as hw.StaticMapping({...})"
            )
        return key


def _same_windows(down: PartitionsDefinition, up: PartitionsDefinition) -> bool:
    """Whether both are time windows of one grain, key format and timezone (keys then match one to one)."""
    return (
        isinstance(down, TimeWindowPartitions)
        and type(down) is type(up)
        and isinstance(up, TimeWindowPartitions)
        and (down.fmt, down.timezone) == (up.fmt, up.timezone)
    )


@dataclass(frozen=True)
class AllPartitions(PartitionMapping):
    """Every partition of the upstream asset (the default for an unpartitioned downstream)."""

    def check(self, down: PartitionsDefinition | None, up: PartitionsDefinition, where: str) -> None:
        return None

    def for_key(
        self, down: PartitionsDefinition | None, key: str | None, up: PartitionsDefinition, ctx: KeyContext
    ) -> str | tuple[str, ...]:
        return tuple(up.keys(ctx))


@dataclass(frozen=True)
class LastPartition(PartitionMapping):
    """The latest partition of the upstream asset."""

    def check(self, down: PartitionsDefinition | None, up: PartitionsDefinition, where: str) -> None:
        return None

    def for_key(
        self, down: PartitionsDefinition | None, key: str | None, up: PartitionsDefinition, ctx: KeyContext
    ) -> str | tuple[str, ...]:
        keys = up.keys(ctx)
        if not keys:
            raise SelectionError(f"hw.LastPartition() found no partitions upstream ({up.describe()})")
        return keys[-1]


@dataclass(frozen=True)
class TimeWindowMapping(PartitionMapping):
    """Upstream windows overlapping the downstream window shifted by offsets (in downstream partitions).

    ``TimeWindowMapping(start_offset=-1, end_offset=-1)`` reads the previous period;
    ``start_offset=-6`` on a daily asset reads the last seven days. Windows before the first
    upstream partition (or after the last) are an error unless ``allow_missing=True``.
    """

    start_offset: int = 0
    end_offset: int = 0
    allow_missing: bool = False

    def check(self, down: PartitionsDefinition | None, up: PartitionsDefinition, where: str) -> None:
        if not isinstance(down, TimeWindowPartitions) or not isinstance(up, TimeWindowPartitions):
            raise DefinitionError(
                f"{where}: TimeWindowMapping needs time-window partitions on both assets "
                f"(downstream: {down.describe() if down else 'unpartitioned'}; upstream: {up.describe()}); "
                "use hw.StaticMapping({...}), hw.AllPartitions() or hw.LastPartition() between other partitions"
            )
        if self.start_offset > self.end_offset:
            raise DefinitionError(
                f"{where}: TimeWindowMapping start_offset={self.start_offset} is after "
                f"end_offset={self.end_offset}; give a start_offset lower than or equal to the end_offset"
            )

    def for_key(
        self, down: PartitionsDefinition | None, key: str | None, up: PartitionsDefinition, ctx: KeyContext
    ) -> str | tuple[str, ...]:
        if not isinstance(down, TimeWindowPartitions) or not isinstance(up, TimeWindowPartitions) or key is None:
            raise SelectionError("TimeWindowMapping needs time-window partitions on both assets")
        index = down.validate_key(key, ctx)
        window = TimeWindow(
            down.window_at(index + self.start_offset).start, down.window_at(index + self.end_offset).end
        )
        wanted = up.overlapping(window)
        count = up.count(ctx)
        present = range(max(wanted.start, 0), min(wanted.stop, count))
        if len(present) != len(wanted) and not self.allow_missing:
            raise SelectionError(
                f"partition {key!r} reads upstream windows {window.start:%Y-%m-%d %H:%M} to "
                f"{window.end:%Y-%m-%d %H:%M}, which {up.describe()} does not fully have; "
                "materialize a later partition, or pass allow_missing=True to TimeWindowMapping"
            )
        keys = tuple(up.key_at(i) for i in present)
        return keys[0] if len(keys) == 1 else keys


@dataclass(frozen=True, init=False)
class StaticMapping(PartitionMapping):
    """Explicit map from upstream keys to the downstream key (or keys) that read them.

    ``hw.StaticMapping({"us-east": "us", "us-west": "us", "eu-west": "eu"})``.
    """

    upstream_to_downstream: tuple[tuple[str, tuple[str, ...]], ...]
    _inverse: dict[str, tuple[str, ...]] = field(compare=False, repr=False)

    def __init__(self, mapping: Mapping[str, str | Iterable[str]]) -> None:
        if not isinstance(mapping, Mapping) or not mapping:
            raise DefinitionError(
                "StaticMapping needs a dict of upstream key -> downstream key(s), "
                "e.g. hw.StaticMapping({'us': 'americas', 'eu': ['europe', 'emea']})"
            )
        pairs = tuple((up, (down,) if isinstance(down, str) else tuple(down)) for up, down in mapping.items())
        inverse: dict[str, list[str]] = {}
        for up, downs in pairs:
            for down in downs:
                inverse.setdefault(down, []).append(up)
        object.__setattr__(self, "upstream_to_downstream", pairs)
        object.__setattr__(self, "_inverse", {k: tuple(v) for k, v in inverse.items()})

    def check(self, down: PartitionsDefinition | None, up: PartitionsDefinition, where: str) -> None:
        super().check(down, up, where)
        for definition, keys, side in (
            (up, [u for u, _ in self.upstream_to_downstream], "upstream"),
            (down, list(self._inverse), "downstream"),
        ):
            if definition is None or definition.keys() == ():
                continue  # dynamic keys are checked when a run reads them
            for key in keys:
                if definition.position(key) is None:
                    valid = definition.keys()
                    raise DefinitionError(
                        f"{where}: StaticMapping names {side} partition {key!r}, which is not a partition of "
                        f"{definition.describe()}{definition.suggest(key, valid)}; valid {side} keys: "
                        f"{describe_keys(valid)}"
                    )

    def for_key(
        self, down: PartitionsDefinition | None, key: str | None, up: PartitionsDefinition, ctx: KeyContext
    ) -> str | tuple[str, ...]:
        found = self._inverse.get(key or "", ())
        return found[0] if len(found) == 1 else found


@dataclass(frozen=True)
class DimensionMapping(PartitionMapping):
    """Map through one dimension of a multi-partitioned asset.

    A multi-partitioned downstream reads the upstream partition named by its ``dimension``
    part; a single-dimension downstream of a multi-partitioned upstream reads every
    upstream key whose ``dimension`` part matches. ``mapping`` maps within that dimension
    (default: same key).
    """

    dimension: str
    mapping: PartitionMapping = field(default_factory=IdentityMapping)

    def check(self, down: PartitionsDefinition | None, up: PartitionsDefinition, where: str) -> None:
        multi = down if isinstance(down, MultiPartitions) else up
        if not isinstance(multi, MultiPartitions):
            raise DefinitionError(
                f"{where}: DimensionMapping needs a multi-partitioned asset on one side; give one of the assets "
                "hw.MultiPartitions(...), or use a mapping for single partitions such as hw.IdentityMapping()"
            )
        if self.dimension not in multi.names:
            raise DefinitionError(
                f"{where}: DimensionMapping names dimension {self.dimension!r}, which "
                f"{multi.describe()} does not have{did_you_mean(self.dimension, multi.names)}; "
                f"valid dimensions: {', '.join(multi.names)}"
            )
        inner = multi.dimension(self.dimension)
        if multi is down and up is not down:
            self.mapping.check(inner, up, f"{where} (dimension '{self.dimension}')")
        elif down is not None and not isinstance(down, MultiPartitions):
            self.mapping.check(down, inner, f"{where} (dimension '{self.dimension}')")

    def for_key(
        self, down: PartitionsDefinition | None, key: str | None, up: PartitionsDefinition, ctx: KeyContext
    ) -> str | tuple[str, ...]:
        if isinstance(down, MultiPartitions) and key is not None:
            position = down.names.index(self.dimension)
            part = down.split(key)[position]
            return self.mapping.for_key(down.dimension(self.dimension), part, up, ctx)
        if not isinstance(up, MultiPartitions):
            raise SelectionError("DimensionMapping needs a multi-partitioned asset on one side")
        position = up.names.index(self.dimension)
        inner = self.mapping.for_key(down, key, up.dimension(self.dimension), ctx)
        wanted = {inner} if isinstance(inner, str) else set(inner)
        return tuple(k for k in up.keys(ctx) if up.split(k)[position] in wanted)


def default_mapping(
    down: PartitionsDefinition | None, up: PartitionsDefinition | None, where: str
) -> PartitionMapping | None:
    """The mapping used when none is given; None for an unpartitioned upstream."""
    if up is None:
        return None
    if down is None:
        return AllPartitions()
    if down == up:
        return IdentityMapping()
    if isinstance(down, TimeWindowPartitions) and isinstance(up, TimeWindowPartitions):
        return TimeWindowMapping()
    for multi, single in ((down, up), (up, down)):
        if isinstance(multi, MultiPartitions):
            for name, definition in multi.dimensions:
                if definition == single:
                    return DimensionMapping(name)
    raise DefinitionError(
        f"{where}: it is partitioned by {down.describe()} and its upstream by {up.describe()}, and "
        "Headwater cannot tell which partitions it reads; pass partition_mappings={'<param>': "
        "hw.AllPartitions()} (or hw.StaticMapping({...}), hw.LastPartition(), hw.DimensionMapping(...))"
    )


def resolve_mapping(
    down: PartitionsDefinition | None,
    up: PartitionsDefinition | None,
    given: PartitionMapping | None,
    where: str,
) -> PartitionMapping | None:
    """The mapping of one input: ``given`` after checking it, else the default."""
    if given is None:
        return default_mapping(down, up, where)
    if up is None:
        raise DefinitionError(
            f"{where}: has a partition mapping, but the upstream asset is not partitioned; remove the mapping"
        )
    given.check(down, up, where)
    return given
