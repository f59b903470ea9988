"""Checking what a decorator was given for partitions: ``partitions=``, ``partition_mappings=``
and ``backfill_policy=``, once at decoration time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from headwater.definitions.params import Param, ParamKind
from headwater.definitions.partitions.base import PartitionsDefinition
from headwater.definitions.partitions.mapping import PartitionMapping
from headwater.errors import DefinitionError, did_you_mean
from headwater.keys import AssetKey

BACKFILL_POLICIES: Final = ("per_partition", "single_run")
"""``per_partition``: a backfill runs one run per partition; ``single_run``: one run over the range."""

Partitioning = tuple[PartitionsDefinition | None, dict[str, PartitionMapping], str | None]


def check_partitioning(
    partitions: PartitionsDefinition | None,
    mappings: Mapping[str, PartitionMapping] | None,
    policy: str | None,
    params: Sequence[Param],
    deps: Sequence[AssetKey],
    where: str,
) -> Partitioning:
    """The checked partitions, mappings by input name (or dep key) and backfill policy."""
    if partitions is not None and not isinstance(partitions, PartitionsDefinition):
        raise DefinitionError(
            f"{where}: partitions= must be a partitions definition such as hw.DailyPartitions(start='2026-01-01') "
            f"or hw.StaticPartitions(['us', 'eu']), got {type(partitions).__name__}"
        )
    out: dict[str, PartitionMapping] = {}
    names = [p.name for p in params if p.kind is ParamKind.INPUT] + [d.to_string() for d in deps]
    if mappings is not None and not isinstance(mappings, Mapping):
        raise DefinitionError(f"{where}: partition_mappings= must be a dict of input name -> mapping")
    for name, mapping in (mappings or {}).items():
        if name not in names:
            raise DefinitionError(
                f"{where}: partition_mappings= names {name!r}, which is not an input parameter or dep"
                f"{did_you_mean(str(name), names)}; inputs and deps: {', '.join(names) or '(none)'}"
            )
        if not isinstance(mapping, PartitionMapping):
            raise DefinitionError(
                f"{where}: partition_mappings[{name!r}] must be a mapping such as hw.AllPartitions(), "
                f"hw.LastPartition() or hw.TimeWindowMapping(start_offset=-1), got {mapping!r}"
            )
        out[name] = mapping
    if policy is not None and policy not in BACKFILL_POLICIES:
        raise DefinitionError(
            f"{where}: backfill_policy={policy!r} is not one of {', '.join(repr(p) for p in BACKFILL_POLICIES)}"
        )
    if policy is not None and partitions is None:
        raise DefinitionError(f"{where}: backfill_policy= needs partitions=; the asset is not partitioned")
    return partitions, out, policy
