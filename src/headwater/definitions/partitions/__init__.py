"""Partitions: how assets are split (time windows, static, dynamic, multi-dimensional) and how
partitions of one asset map to those of its upstream assets. Pure data, no I/O.
"""

from headwater.definitions.partitions.base import (
    MULTI_SEPARATOR,
    RANGE_SEPARATOR,
    IndexedKeys,
    KeyContext,
    PartitionsDefinition,
    TimeWindow,
    parse_partition_selection,
)
from headwater.definitions.partitions.mapping import (
    AllPartitions,
    DimensionMapping,
    IdentityMapping,
    LastPartition,
    PartitionMapping,
    StaticMapping,
    TimeWindowMapping,
    UpstreamKeys,
    default_mapping,
    resolve_mapping,
)
from headwater.definitions.partitions.multi import MultiPartitions
from headwater.definitions.partitions.static import (
    DynamicPartitions,
    DynamicPartitionsRequest,
    StaticPartitions,
    check_partition_key,
)
from headwater.definitions.partitions.time_window import (
    DailyPartitions,
    HourlyPartitions,
    MonthlyPartitions,
    TimeWindowPartitions,
    WeeklyPartitions,
)

__all__ = [
    "MULTI_SEPARATOR",
    "RANGE_SEPARATOR",
    "AllPartitions",
    "DailyPartitions",
    "DimensionMapping",
    "DynamicPartitions",
    "DynamicPartitionsRequest",
    "HourlyPartitions",
    "IdentityMapping",
    "IndexedKeys",
    "KeyContext",
    "LastPartition",
    "MonthlyPartitions",
    "MultiPartitions",
    "PartitionMapping",
    "PartitionsDefinition",
    "StaticMapping",
    "StaticPartitions",
    "TimeWindow",
    "TimeWindowMapping",
    "TimeWindowPartitions",
    "UpstreamKeys",
    "WeeklyPartitions",
    "check_partition_key",
    "default_mapping",
    "parse_partition_selection",
    "resolve_mapping",
]
