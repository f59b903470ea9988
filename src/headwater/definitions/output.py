"""What user functions return: a value with metadata (``Output``), a materialization that stores
no value (``MaterializeResult``) and check results.

Pure data; values are stored by IO managers elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Output(Generic[T]):
    """An asset's value with metadata and, optionally, its data version.

    Numeric metadata is kept per materialization, so it can be plotted over time.
    """

    value: T
    metadata: Mapping[str, Any] = field(default_factory=dict)
    data_version: str | None = None


@dataclass(frozen=True, slots=True)
class MaterializeResult:
    """A materialization whose data lives where the asset function put it (a table it wrote, a file
    it uploaded): metadata and, optionally, a data version; nothing is stored by an IO manager.

    Without ``data_version`` each materialization gets a new one (its run and step), so assets
    downstream read as stale after every run of this one.
    """

    metadata: Mapping[str, Any] = field(default_factory=dict)
    data_version: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of an asset check."""

    passed: bool
    metadata: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
