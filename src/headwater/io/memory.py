"""An IO manager that keeps values in a dict: for tests and ephemeral instances.

Values are not shared between processes, so the multiprocess executor refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from headwater.errors import IOManagerError
from headwater.io.base import IOManager, Staged, no_staged_value
from headwater.keys import AssetKey


class InMemoryIOManager(IOManager):
    """Keeps values in memory, keyed by (asset key, partition)."""

    shared_between_processes = False
    supports_staging = True
    verifies_values = True

    def __init__(self) -> None:
        self.values: dict[tuple[AssetKey, str | None], Any] = {}
        self.staged: dict[Staged, Any] = {}

    def stage(self, key: AssetKey, partition: str | None, value: Any, token: str) -> Mapping[str, Any]:
        self.staged[Staged(key, partition, token)] = value
        return {}

    def load_staged(self, key: AssetKey, partition: str | None, token: str) -> Any:
        try:
            return self.staged[Staged(key, partition, token)]
        except KeyError:
            raise no_staged_value(key, partition, token, "this in-memory IO manager") from None

    def publish(self, staged: Sequence[Staged]) -> None:
        for item in staged:
            if item not in self.staged:
                raise no_staged_value(item.key, item.partition, item.token, "this in-memory IO manager")
        for item in staged:
            self.values[(item.key, item.partition)] = self.staged.pop(item)

    def discard(self, staged: Sequence[Staged]) -> None:
        for item in staged:
            self.staged.pop(item, None)

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
