"""An IO manager that keeps values in a dict: for tests and ephemeral instances.

Values are not shared between processes, so the multiprocess executor refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headwater.errors import IOManagerError
from headwater.io.base import IOManager
from headwater.keys import AssetKey


class InMemoryIOManager(IOManager):
    """Keeps values in memory, keyed by (asset key, partition)."""

    shared_between_processes = False

    def __init__(self) -> None:
        self.values: dict[tuple[AssetKey, str | None], Any] = {}

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        self.values[(key, partition)] = value
        return {}

    def load(self, key: AssetKey, partition: str | None) -> Any:
        try:
            return self.values[(key, partition)]
        except KeyError:
            raise IOManagerError(
                f"asset '{key}' has no value in this in-memory IO manager: materialize it in the same "
                "process first, or use a filesystem IO manager to keep values between runs"
            ) from None

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        return (key, partition) in self.values
