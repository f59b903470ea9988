"""Asset keys: the names of assets, parsed from and printed as ``a/b/c``.

Owns key syntax and validation; knows nothing of assets, graphs or storage.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from headwater.errors import DefinitionError

_PART: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


def check_key_part(part: str, *, where: str = "") -> str:
    """Return ``part`` if it is a valid key component, else raise DefinitionError."""
    if not isinstance(part, str) or not _PART.match(part):
        location = f" in {where}" if where else ""
        raise DefinitionError(
            f"invalid asset key part {part!r}{location}: key parts use letters, digits, "
            "'_', '-' and '.', and start with a letter, digit or '_' "
            "(use '/' only to separate parts, e.g. 'mart/revenue')"
        )
    return part


class AssetKey:
    """The name of an asset: a non-empty tuple of parts, printed ``a/b/c``.

    ``AssetKey("mart", "revenue")`` and ``AssetKey.parse("mart/revenue")`` are equal.
    """

    __slots__ = ("_hash", "_str", "path")

    path: tuple[str, ...]

    def __init__(self, *parts: str) -> None:
        if not parts:
            raise DefinitionError("an asset key needs at least one part, e.g. AssetKey('orders')")
        for part in parts:
            check_key_part(part)
        self.path = parts
        self._str = "/".join(parts)
        self._hash = hash(self._str)

    @classmethod
    def parse(cls, text: str | AssetKey) -> AssetKey:
        """Parse ``"a/b"`` (or return an AssetKey unchanged)."""
        if isinstance(text, AssetKey):
            return text
        if isinstance(text, str):
            return _parse(text)
        if not isinstance(text, str):
            raise DefinitionError(f"expected an asset key such as 'mart/revenue', got {type(text).__name__} {text!r}")
        return cls(*text.strip("/").split("/"))

    @property
    def name(self) -> str:
        """The last part of the key."""
        return self.path[-1]

    @property
    def prefix(self) -> tuple[str, ...]:
        """All parts but the last."""
        return self.path[:-1]

    def with_prefix(self, *prefix: str) -> AssetKey:
        """A new key with ``prefix`` parts put in front."""
        return AssetKey(*prefix, *self.path)

    def to_string(self) -> str:
        """The key printed as ``a/b/c``."""
        return self._str

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return f"AssetKey({self._str!r})"

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return other is self or (isinstance(other, AssetKey) and other._str == self._str)

    def __lt__(self, other: AssetKey) -> bool:
        return self.path < other.path

    def __reduce__(self) -> tuple[type[AssetKey], tuple[str, ...]]:
        return (AssetKey, self.path)


@lru_cache(maxsize=200_000)
def _parse(text: str) -> AssetKey:
    # Keys are immutable, so equal strings can share one object: faster hashing and comparison.
    return AssetKey(*text.strip("/").split("/"))


CoercibleToKey = str | AssetKey | tuple[str, ...] | list[str]


def to_key(value: CoercibleToKey, *, where: str = "") -> AssetKey:
    """Turn a string ``"a/b"``, a sequence of parts or an AssetKey into an AssetKey."""
    if isinstance(value, AssetKey):
        return value
    if isinstance(value, str):
        return AssetKey.parse(value)
    if isinstance(value, (tuple, list)) and value:
        return AssetKey(*value)
    location = f" in {where}" if where else ""
    raise DefinitionError(
        f"cannot use {value!r}{location} as an asset key: pass 'a/b', ('a', 'b') or AssetKey('a', 'b')"
    )
