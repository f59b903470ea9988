"""Data versions as recorded by events: the short form kept in ``inputs``, the newest version of each
asset, and the ``inputs`` map a materialization carries. Pure reads of storage; no execution."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Final

from headwater.events import EventRecord
from headwater.keys import AssetKey
from headwater.storage import Storage

SHORT_VERSION: Final = 16
"""Versions longer than this are kept in ``inputs`` as a 16-hex-digit hash of the version."""

MAX_INPUTS_BYTES: Final = 1536
"""Above this size the ``inputs`` map keeps its first entries and says how many it left out."""


def short_version(version: str) -> str:
    """``version`` itself when short, else a 16-hex-digit blake2b hash of it: what ``inputs`` records."""
    if len(version) <= SHORT_VERSION:
        return version
    return hashlib.blake2b(version.encode(), digest_size=8).hexdigest()


def version_of(record: EventRecord | None) -> str | None:
    """The data version an event recorded, or None."""
    if record is None:
        return None
    return record.event.asset_payload().data_version


def newest(*records: EventRecord | None) -> EventRecord | None:
    """The newest (highest id) of some event records."""
    found = [r for r in records if r is not None]
    return max(found, key=lambda r: r.id) if found else None


def latest_versions(
    storage: Storage, keys: Iterable[AssetKey], partition: str | None = None
) -> dict[AssetKey, EventRecord]:
    """The newest materialization or observation of each key: two batched queries."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    materialized = storage.latest("materialization", wanted, partition)
    observed = storage.latest("observation", wanted, partition)
    out: dict[AssetKey, EventRecord] = {}
    for key in wanted:
        record = newest(materialized.get(key), observed.get(key))
        if record is not None:
            out[key] = record
    return out


def consumed_inputs(parents: Iterable[AssetKey], versions: Mapping[AssetKey, str]) -> tuple[dict[str, str], int]:
    """The ``inputs`` of a materialization (upstream key -> short version) within MAX_INPUTS_BYTES, and how
    many known inputs were left out to stay within it (``AssetMaterialized.inputs`` and ``inputs_left_out``)."""
    inputs: dict[str, str] = {}
    size = 2
    known = [(key, versions[key]) for key in sorted(parents) if key in versions]
    for index, (key, version) in enumerate(known):
        entry = short_version(version)
        size += len(json.dumps(key.to_string())) + len(entry) + 4
        if size > MAX_INPUTS_BYTES:
            return inputs, len(known) - index
        inputs[key.to_string()] = entry
    return inputs, 0
