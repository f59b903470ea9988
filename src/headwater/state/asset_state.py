"""The answer ``AssetStatus`` gives for one asset: its state, the reasons it is not fresh
(``Reason`` of a ``ReasonKind``) and its latest materialization or observation.

Plain values, JSON-ready; computing them is ``headwater.state.status``'s job.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final, NamedTuple

from headwater.events import AssetMaterialized, EventRecord
from headwater.keys import AssetKey
from headwater.state.versions import version_of


class ReasonKind(StrEnum):
    """What made an asset not fresh: the ``kind`` of a ``Reason`` (the values are what JSON carries)."""

    NEVER_MATERIALIZED = "never_materialized"
    CODE_CHANGED = "code_changed"
    UPSTREAM_CHANGED = "upstream_changed"
    UPSTREAM_CODE_CHANGED = "upstream_code_changed"
    UPSTREAM_MISSING = "upstream_missing"
    CHECK_FAILED = "check_failed"
    LAST_RUN_FAILED = "last_run_failed"
    OVERDUE = "overdue"


UPSTREAM_REASON_KINDS: Final = frozenset(
    {ReasonKind.UPSTREAM_CHANGED, ReasonKind.UPSTREAM_CODE_CHANGED, ReasonKind.UPSTREAM_MISSING}
)
"""Kinds whose ``asset`` is an upstream asset, not the asset that is stale (the UI links it)."""

Cause = tuple[int, int, ReasonKind]
"""An upstream change on its way down the graph: (levels up, position in graph order, reason kind)."""


class Reason(NamedTuple):
    """One reason an asset is not fresh.

    ``kind`` is a ``ReasonKind``: ``never_materialized``, ``code_changed``, ``upstream_changed``,
    ``upstream_code_changed``, ``upstream_missing`` (a partition it reads has no value),
    ``check_failed``, ``last_run_failed`` or ``overdue`` (a
    freshness policy is not met: listed, but it does not change fresh/stale/missing); ``asset`` is the
    asset that caused it, ``depth`` how many levels up it is (0: the asset itself) and
    ``detail`` the specifics (versions, check name, run) the text is made from.
    """

    kind: ReasonKind
    asset: AssetKey
    depth: int
    detail: str = ""

    @property
    def text(self) -> str:
        """The reason in words (made on demand: most reasons of a big graph are never printed)."""
        kind, asset, depth, detail = self
        where = "1 level up" if depth == 1 else f"{depth} levels up"
        if kind == ReasonKind.UPSTREAM_CHANGED:
            if detail:
                return f"upstream '{asset}' ({where}) {detail}"
            return f"upstream '{asset}' ({where}) has a newer data version than the one used"
        if kind == ReasonKind.UPSTREAM_CODE_CHANGED:
            return f"code of upstream '{asset}' ({where}) changed"
        if kind == ReasonKind.UPSTREAM_MISSING:
            return f"upstream '{asset}' ({where}) {detail or 'has no value for some partitions it reads'}"
        return detail

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"kind": str(self.kind), "asset": self.asset.to_string(), "depth": self.depth, "text": self.text}


class AssetState:
    """The status of one asset with its reasons and its latest materialization or observation.

    Reasons inherited from upstream are kept as compact tuples and turned into ``Reason``
    objects when ``reasons`` is read: a 10,000-asset graph has tens of thousands of them.
    """

    __slots__ = ("_inherited", "_keys", "_own", "failed", "key", "latest", "status")

    def __init__(
        self,
        key: AssetKey,
        status: str,
        own: tuple[Reason, ...],
        latest: EventRecord | None,
        failed: bool,
        inherited: tuple[Cause, ...] = (),
        keys: tuple[AssetKey, ...] = (),
    ) -> None:
        self.key = key
        self.status = status
        self.latest = latest
        self.failed = failed
        self._own = own
        self._inherited = inherited
        self._keys = keys

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Why the asset is not fresh: its own reasons, then upstream changes nearest first."""
        if not self._inherited:
            return self._own
        keys = self._keys
        return (*self._own, *(Reason(kind, keys[pos], depth) for depth, pos, kind in self._inherited))

    @property
    def data_version(self) -> str | None:
        """The data version of the latest materialization or observation."""
        return version_of(self.latest)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        event = self.latest.event if self.latest is not None else None
        return {
            "key": self.key.to_string(),
            "status": self.status,
            "reasons": [r.to_json() for r in self.reasons],
            "data_version": self.data_version,
            "code_version": AssetMaterialized.from_data(event.data).code_version if event is not None else None,
            "run_id": event.run_id if event is not None else None,
            "timestamp": event.timestamp if event is not None else None,
            "failed": self.failed,
        }

    def __repr__(self) -> str:
        return f"AssetState({self.key.to_string()!r}, {self.status!r}, {len(self._own) + len(self._inherited)} reasons)"
