"""Typed payloads of the asset, step and run events: what each event type's ``data`` holds.

Each payload is frozen; ``to_data()`` gives the stored JSON form and ``from_data()`` reads it back,
tolerant of older stored shapes (a missing key reads as its default). ``data`` in storage stays
plain JSON, so logs written before these classes read the same. Pure data: no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from headwater.keys import AssetKey


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _keys(value: Any) -> tuple[AssetKey, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(AssetKey.parse(str(k)) for k in value)


def _key_strings(keys: tuple[AssetKey, ...]) -> list[str]:
    return [k.to_string() for k in keys]


@dataclass(frozen=True, kw_only=True, slots=True)
class AssetMaterialized:
    """The payload of an ``ASSET_MATERIALIZED`` event: one value of an asset that was stored.

    ``inputs`` maps each upstream key (``a/b``) to the short data version consumed; None when the
    asset has no upstream or the event was recorded before provenance existed. ``reported`` marks a
    materialization made by another system and reported to Headwater. ``value_hash`` is the hash
    the IO manager gave of the stored bytes (None when it gives none), which a later read checks.
    """

    data_version: str | None = None
    code_version: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    shape: Mapping[str, Any] | None = None
    inputs: Mapping[str, str] | None = None
    inputs_left_out: int = 0
    reported: bool = False
    value_hash: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form (keys with no value are left out)."""
        data: dict[str, Any] = {}
        if self.reported:
            data["reported"] = True
        if self.value_hash is not None:
            data["value_hash"] = self.value_hash
        if self.metadata:
            data["metadata"] = dict(self.metadata)
        if self.data_version is not None:
            data["data_version"] = self.data_version
        if self.shape is not None:
            data["shape"] = dict(self.shape)
        if self.code_version is not None:
            data["code_version"] = self.code_version
        if self.inputs is not None:
            data["inputs"] = dict(self.inputs)
        if self.inputs_left_out:
            data["inputs_left_out"] = self.inputs_left_out
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AssetMaterialized:
        """Read a stored payload; older events (no inputs, no shape) read with their defaults."""
        shape = data.get("shape")
        inputs = data.get("inputs")
        return cls(
            data_version=_text(data.get("data_version")),
            code_version=_text(data.get("code_version")),
            metadata=_mapping(data.get("metadata")),
            shape=dict(shape) if isinstance(shape, Mapping) else None,
            inputs={str(k): str(v) for k, v in inputs.items()} if isinstance(inputs, Mapping) else None,
            inputs_left_out=_count(data.get("inputs_left_out")) or 0,
            reported=bool(data.get("reported")),
            value_hash=_text(data.get("value_hash")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class StagedSettled:
    """The payload of ``ASSET_PUBLISHED`` and ``ASSET_DISCARDED``: what became of the value the run
    ``staged_run`` staged. ``forced`` marks one published although a check held it back; ``reason``
    says why (a discard's, or what held it back), ``by`` who did it when a person did."""

    staged_run: str
    forced: bool = False
    reason: str | None = None
    by: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form."""
        data: dict[str, Any] = {"staged_run": self.staged_run}
        if self.forced:
            data["forced"] = True
        if self.reason is not None:
            data["reason"] = self.reason
        if self.by is not None:
            data["by"] = self.by
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StagedSettled:
        """Read a stored payload."""
        return cls(
            staged_run=str(data.get("staged_run") or ""),
            forced=bool(data.get("forced")),
            reason=_text(data.get("reason")),
            by=_text(data.get("by")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class AssetObserved:
    """The payload of an ``ASSET_OBSERVED`` event: the data version (and metadata) of data made
    outside Headwater, from a source's ``observe=`` function or a report."""

    data_version: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    reported: bool = False

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form."""
        data: dict[str, Any] = {}
        if self.reported:
            data["reported"] = True
        if self.data_version is not None:
            data["data_version"] = self.data_version
        if self.metadata:
            data["metadata"] = dict(self.metadata)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AssetObserved:
        """Read a stored payload."""
        return cls(
            data_version=_text(data.get("data_version")),
            metadata=_mapping(data.get("metadata")),
            reported=bool(data.get("reported")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class StepStarted:
    """The payload of a ``STEP_STARTED`` event: ``attempt`` is set from the first retry on."""

    attempt: int | None = None

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form."""
        return {"attempt": self.attempt} if self.attempt else {}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StepStarted:
        """Read a stored payload."""
        return cls(attempt=_count(data.get("attempt")))


@dataclass(frozen=True, kw_only=True, slots=True)
class StepFailedPayload:
    """The payload of a ``STEP_FAILED`` event: the error, its traceback and the assets not made.

    (Named apart from ``headwater.errors.StepFailed``, the exception a failing step raises.)
    """

    error: str
    traceback: str | None = None
    asset_keys: tuple[AssetKey, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form."""
        data: dict[str, Any] = {"error": self.error}
        if self.traceback is not None:
            data["traceback"] = self.traceback
        data["asset_keys"] = _key_strings(self.asset_keys)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StepFailedPayload:
        """Read a stored payload; one with no error reads as ``failed``."""
        return cls(
            error=str(data.get("error") or "failed"),
            traceback=_text(data.get("traceback")),
            asset_keys=_keys(data.get("asset_keys")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class StepRetrying:
    """The payload of a ``STEP_RETRYING`` event: the failure that will be retried, and when."""

    error: str
    traceback: str | None = None
    asset_keys: tuple[AssetKey, ...] = ()
    attempt: int = 1
    max_retries: int = 0
    delay: float = 0.0

    @classmethod
    def after(cls, failure: StepFailedPayload, *, attempt: int, max_retries: int, delay: float) -> StepRetrying:
        """The retry notice that replaces ``failure``, for attempt number ``attempt``."""
        return cls(
            error=failure.error,
            traceback=failure.traceback,
            asset_keys=failure.asset_keys,
            attempt=attempt,
            max_retries=max_retries,
            delay=round(delay, 3),
        )

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form (the failure's, with the retry's counts)."""
        data = StepFailedPayload(error=self.error, traceback=self.traceback, asset_keys=self.asset_keys).to_data()
        data.update(attempt=self.attempt, max_retries=self.max_retries, delay=self.delay)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StepRetrying:
        """Read a stored payload."""
        failure = StepFailedPayload.from_data(data)
        delay = data.get("delay")
        return cls(
            error=failure.error,
            traceback=failure.traceback,
            asset_keys=failure.asset_keys,
            attempt=_count(data.get("attempt")) or 1,
            max_retries=_count(data.get("max_retries")) or 0,
            delay=float(delay) if isinstance(delay, int | float) else 0.0,
        )


UNCHANGED: Final = "unchanged"
"""The reason of a step skipped because its stored values are still current (memoization)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ReusedValue:
    """A stored materialization a memoized step reused instead of running: which run made it, its version."""

    asset_key: AssetKey
    run_id: str
    data_version: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The stored JSON form."""
        data: dict[str, Any] = {"asset_key": self.asset_key.to_string(), "run_id": self.run_id}
        if self.data_version is not None:
            data["data_version"] = self.data_version
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ReusedValue:
        """Read a stored entry."""
        return cls(
            asset_key=AssetKey.parse(str(data.get("asset_key"))),
            run_id=str(data.get("run_id") or ""),
            data_version=_text(data.get("data_version")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class StepSkipped:
    """The payload of a ``STEP_SKIPPED`` event: why the step did not run, and the assets it did not make.

    A memoized step whose stored values are current is skipped with reason ``unchanged`` and
    ``reused`` naming the materialization of each of its assets that stands (the step succeeded).
    """

    reason: str
    asset_keys: tuple[AssetKey, ...] = ()
    reused: tuple[ReusedValue, ...] = ()

    @property
    def unchanged(self) -> bool:
        """Whether the step was not run because its values were current, rather than skipped by a failure."""
        return self.reason == UNCHANGED

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form."""
        data: dict[str, Any] = {"reason": self.reason, "asset_keys": _key_strings(self.asset_keys)}
        if self.reused:
            data["reused"] = [value.to_data() for value in self.reused]
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StepSkipped:
        """Read a stored payload."""
        reused = data.get("reused")
        return cls(
            reason=str(data.get("reason") or "skipped"),
            asset_keys=_keys(data.get("asset_keys")),
            reused=tuple(ReusedValue.from_data(v) for v in reused if isinstance(v, Mapping))
            if isinstance(reused, list)
            else (),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class StepSucceeded:
    """The payload of a ``STEP_SUCCEEDED`` event (written only for a step that made no asset event): empty."""

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: nothing."""
        return {}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StepSucceeded:
        """Read a stored payload."""
        return cls()


@dataclass(frozen=True, kw_only=True, slots=True)
class RunStarted:
    """The payload of a ``RUN_STARTED`` event: how many steps the run plans."""

    steps: int | None = None

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form."""
        return {"steps": self.steps} if self.steps is not None else {}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RunStarted:
        """Read a stored payload."""
        return cls(steps=_count(data.get("steps")))


@dataclass(frozen=True, kw_only=True, slots=True)
class RunEnded:
    """The payload of a ``RUN_SUCCEEDED``, ``RUN_FAILED`` or ``RUN_CANCELED`` event.

    ``error`` says why a run failed or was canceled; ``traceback`` is set when the run's own process
    was interrupted by an exception.
    """

    error: str | None = None
    traceback: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form."""
        data: dict[str, Any] = {}
        if self.error is not None:
            data["error"] = self.error
        if self.traceback is not None:
            data["traceback"] = self.traceback
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RunEnded:
        """Read a stored payload."""
        return cls(error=_text(data.get("error")), traceback=_text(data.get("traceback")))
