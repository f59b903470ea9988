"""An IO manager that keeps values in a dict: for tests and ephemeral instances.

Values are not shared between processes, so the multiprocess executor refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headwater.errors import IOManagerError
from headwater.io.base import IOManager, Staged
from headwater.keys import AssetKey


class InMemoryIOManager(IOManager):
    """Keeps values in memory, keyed by (asset key, partition)."""

    shared_between_processes = False

    def __init__(self) -> None:
        self.values: dict[tuple[AssetKey, str | None], Any] = {}

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        self.values[(key, partition)] = value
        return {}

    def stage(
        self, key: AssetKey, partition: str | None, value: Any, *, owner: str = "", inputs: Sequence[Staged] = ()
    ) -> tuple[Mapping[str, Any], Staged]:
        return {}, StagedInMemory(key=key, partition=partition, manager=self, value=value)

    def load_staged(self, staged: Staged) -> Any:
        if isinstance(staged, StagedInMemory):
            return staged.value
        return self.load(staged.key, staged.partition)

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


@dataclass(frozen=True, kw_only=True)
class StagedInMemory(Staged):
    """A value held until it is published into its manager's dict."""

    manager: InMemoryIOManager
    value: Any

    def publish(self) -> None:
        self.manager.values[(self.key, self.partition)] = self.value

    def discard(self) -> None:
        """Nothing was written."""
