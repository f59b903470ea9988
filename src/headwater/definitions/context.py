"""``hw.Context``: what a running step can see and report.

The execution layer builds one per step; this module only holds the data and
writes log lines to the sink it is given.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from headwater.definitions.partitions.base import PartitionsDefinition, TimeWindow
from headwater.keys import AssetKey

_USER_LOGGER = logging.getLogger("headwater.user")


class StepLogger:
    """A logger for user code: lines go to the run's step log and to ``logging``."""

    __slots__ = ("_sink", "_step_key")

    def __init__(self, step_key: str, sink: Callable[[str], object]) -> None:
        self._step_key = step_key
        self._sink = sink

    def _emit(self, level: int, message: str, *args: object) -> None:
        text = message % args if args else message
        stamp = time.strftime("%H:%M:%S")
        self._sink(f"{stamp} {logging.getLevelName(level)} {text}\n")
        if _USER_LOGGER.isEnabledFor(level):
            _USER_LOGGER.log(level, "[%s] %s", self._step_key, text)

    def debug(self, message: str, *args: object) -> None:
        """Log at DEBUG level."""
        self._emit(logging.DEBUG, message, *args)

    def info(self, message: str, *args: object) -> None:
        """Log at INFO level."""
        self._emit(logging.INFO, message, *args)

    def warning(self, message: str, *args: object) -> None:
        """Log at WARNING level."""
        self._emit(logging.WARNING, message, *args)

    def error(self, message: str, *args: object) -> None:
        """Log at ERROR level."""
        self._emit(logging.ERROR, message, *args)

    def exception(self, message: str, *args: object) -> None:
        """Log at ERROR level with the current exception's traceback."""
        self._emit(logging.ERROR, message + "\n" + traceback.format_exc().rstrip(), *args)


class Context:
    """Given to an asset function that declares a parameter annotated ``hw.Context``.

    Attributes:
        run_id: the id of the run.
        asset_key: the key of the asset being computed (the first one for a multi-asset).
        asset_keys: every key the step produces.
        partition_key: the partition being computed, or None (also None in a run over a range).
        partition_keys: every partition being computed (one, or a range's keys; empty if unpartitioned).
        partition_time_window: the time window of the partition(s), for time-partitioned assets.
        resources: the run's resources by name (attribute access).
        log: a logger whose lines are kept with the run.
        config: the asset's run configuration, if any.
    """

    __slots__ = (
        "_metadata",
        "_partitions",
        "asset_key",
        "asset_keys",
        "config",
        "log",
        "partition_key",
        "partition_keys",
        "resources",
        "run_id",
    )

    def __init__(
        self,
        *,
        run_id: str,
        asset_keys: tuple[AssetKey, ...],
        partition_key: str | None,
        resources: Mapping[str, Any],
        log: StepLogger,
        config: Any = None,
        partition_keys: tuple[str, ...] | None = None,
        partitions: PartitionsDefinition | None = None,
    ) -> None:
        self.run_id = run_id
        self.asset_keys = asset_keys
        self.asset_key = asset_keys[0]
        self.partition_key = partition_key
        if partition_keys is None:
            partition_keys = () if partition_key is None else (partition_key,)
        self.partition_keys = partition_keys
        self._partitions = partitions
        self.resources = SimpleNamespace(**resources)
        self.log = log
        self.config = config
        self._metadata: dict[AssetKey, dict[str, Any]] = {}

    def add_metadata(self, metadata: Mapping[str, Any], *, key: AssetKey | str | None = None) -> None:
        """Attach metadata to the materialization of ``key`` (default: this asset)."""
        target = self.asset_key if key is None else AssetKey.parse(key)
        self._metadata.setdefault(target, {}).update(metadata)

    def metadata_for(self, key: AssetKey) -> dict[str, Any]:
        """Metadata added so far for ``key``."""
        return self._metadata.get(key, {})

    @property
    def partition_time_window(self) -> TimeWindow | None:
        """``[start, end)`` covering the partition(s) being computed; None unless time-partitioned."""
        if self._partitions is None or not self.partition_keys:
            return None
        first = self._partitions.time_window(self.partition_keys[0])
        last = self._partitions.time_window(self.partition_keys[-1])
        if first is None or last is None:
            return None
        return TimeWindow(first.start, last.end)
