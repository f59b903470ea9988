"""IO managers: where asset values live (filesystem pickle by default, in-memory for tests)."""

from headwater.io.base import IOManager
from headwater.io.filesystem import FilesystemIOManager
from headwater.io.memory import InMemoryIOManager

__all__ = ["FilesystemIOManager", "IOManager", "InMemoryIOManager"]
