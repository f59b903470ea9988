"""Reads of the latest-event index across partitions, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from headwater.errors import StorageError
from headwater.events import Event, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage

A = AssetKey("mart", "revenue")
B = AssetKey("raw", "orders")
C = AssetKey("raw", "untouched")


def materialized(key: AssetKey, partition: str | None = None) -> Event:
    return Event(
        run_id="r1", type=EventType.ASSET_MATERIALIZED, step_key=key.to_string(), asset_key=key, partition=partition
    )


def test_latest_of_partitions_gives_each_partition_of_many_assets_without_the_unpartitioned_value(
    storage: Storage,
) -> None:
    ids = storage.store_events(
        [
            materialized(A, "p1"),
            materialized(A, "p2"),
            materialized(A),
            materialized(A, "p1"),
            materialized(B, "p9"),
        ]
    )
    found = storage.latest_of_partitions([A, B, C])
    assert {key: {p: r.id for p, r in parts.items()} for key, parts in found.items()} == {
        A: {"p1": ids[3], "p2": ids[1]},
        B: {"p9": ids[4]},
    }
    assert found[A]["p1"].event.asset_key == A
    assert storage.latest_of_partitions([B], "failure") == {}
    assert storage.latest_of_partitions([]) == {}


def test_latest_of_partitions_refuses_an_unknown_kind(storage: Storage) -> None:
    with pytest.raises(
        StorageError, match="unknown latest-event kind 'materialisation'.*did you mean 'materialization'"
    ):
        storage.latest_of_partitions([A], "materialisation")
