"""The typed event payloads: each round-trips through its stored JSON form, older stored shapes
still read, and the JSON a run writes has the keys it had before the payloads were typed."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.events import (
    PAYLOAD_TYPES,
    AssetMaterialized,
    AssetObserved,
    CheckEvaluated,
    CheckSeverity,
    Event,
    EventType,
    Payload,
    RunEnded,
    RunStarted,
    StepFailedPayload,
    StepRetrying,
    StepSkipped,
    StepStarted,
    StepSucceeded,
)
from headwater.keys import AssetKey

PAYLOADS: list[tuple[EventType, Payload]] = [
    (EventType.RUN_STARTED, RunStarted(steps=3)),
    (EventType.RUN_FAILED, RunEnded(error="1 step failed: a", traceback="Traceback ...")),
    (EventType.RUN_SUCCEEDED, RunEnded()),
    (EventType.STEP_STARTED, StepStarted(attempt=2)),
    (EventType.STEP_SUCCEEDED, StepSucceeded()),
    (
        EventType.STEP_FAILED,
        StepFailedPayload(error="boom", traceback="Traceback ...", asset_keys=(AssetKey("mart", "a"),)),
    ),
    (
        EventType.STEP_RETRYING,
        StepRetrying(error="boom", traceback="tb", asset_keys=(AssetKey("a"),), attempt=1, max_retries=3, delay=0.5),
    ),
    (EventType.STEP_SKIPPED, StepSkipped(reason="upstream step 'a' failed", asset_keys=(AssetKey("b"),))),
    (
        EventType.ASSET_MATERIALIZED,
        AssetMaterialized(
            data_version="v1",
            code_version="3",
            metadata={"rows": 2},
            shape={"kind": "list", "rows": 2},
            inputs={"orders": "v0"},
            inputs_left_out=4,
        ),
    ),
    (EventType.ASSET_MATERIALIZED, AssetMaterialized(data_version="r:report", reported=True, inputs={})),
    (EventType.ASSET_OBSERVED, AssetObserved(data_version="17", metadata={"size": 3}, reported=True)),
    (EventType.CHECK_EVALUATED, CheckEvaluated(check="c", passed=False, severity=CheckSeverity.WARN)),
]


@pytest.mark.parametrize(("kind", "payload"), PAYLOADS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(PAYLOADS)])
def test_a_payload_round_trips_through_its_stored_json(kind: EventType, payload: Payload) -> None:
    stored = json.loads(json.dumps(payload.to_data()))
    assert type(payload).from_data(stored) == payload
    assert Event(run_id="r", type=kind, data=stored).payload() == payload


def test_every_event_type_has_a_payload_class() -> None:
    assert set(PAYLOAD_TYPES) == set(EventType)


def test_older_stored_shapes_read_with_defaults() -> None:
    assert AssetMaterialized.from_data({"data_version": "v"}) == AssetMaterialized(data_version="v")
    assert AssetMaterialized.from_data({}).inputs is None  # recorded before provenance existed
    assert StepFailedPayload.from_data({"error": "boom"}) == StepFailedPayload(error="boom")
    assert StepStarted.from_data({}).attempt is None
    assert RunStarted.from_data({"steps": "many"}).steps is None
    assert Event(run_id="r", type=EventType.RUN_CANCELED, data={"error": "canceled"}).payload() == RunEnded(
        error="canceled"
    )


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as opened:
        yield opened


@hw.asset(code_version="1")
def orders() -> list[dict[str, int]]:
    return [{"id": 1}, {"id": 2}, {"id": 3}]


@hw.asset(code_version="2")
def revenue(context: hw.Context, orders: list[dict[str, int]]) -> hw.Output[int]:
    context.add_metadata({"note": "from the context"})
    return hw.Output(sum(o["id"] for o in orders), metadata={"rows": len(orders)}, data_version="rev-1")


def _stored(instance: hw.Instance, run_id: str, kind: EventType) -> dict[str, dict[str, Any]]:
    return {
        str(r.event.asset_key or r.event.step_key): dict(r.event.data)
        for r in instance.storage.get_events(run_id, types=[kind])
    }


def test_materialization_json_keys_are_unchanged(instance: hw.Instance) -> None:
    # The keys execution/step.py and instance/provenance.py wrote before the payloads were typed.
    result = instance.materialize(hw.Definitions(assets=[orders, revenue]))
    data = _stored(instance, result.run_id, EventType.ASSET_MATERIALIZED)
    # value_hash (the stored bytes' hash, checked when the value is read) was added since.
    assert set(data["orders"]) == {"data_version", "shape", "code_version", "value_hash"}
    assert data["orders"]["value_hash"] == data["orders"]["data_version"]
    assert data["orders"]["shape"] == {"rows": 3, "columns": {"id": "int"}}
    assert set(data["revenue"]) == {"metadata", "data_version", "code_version", "inputs", "value_hash"}
    assert data["revenue"]["metadata"] == {"rows": 3, "note": "from the context"}
    assert data["revenue"]["data_version"] == "rev-1"
    assert data["revenue"]["code_version"] == "2"
    assert data["revenue"]["inputs"] == {"orders": data["orders"]["data_version"]}
    started = instance.storage.get_events(result.run_id, types=[EventType.RUN_STARTED])
    assert [dict(r.event.data) for r in started] == [{"steps": 2}]


def test_failure_and_report_json_keys_are_unchanged(instance: hw.Instance) -> None:
    @hw.asset
    def broken() -> int:
        raise ValueError("no data")

    failed = instance.materialize(hw.Definitions(assets=[broken]))
    assert not failed.success
    data = _stored(instance, failed.run_id, EventType.STEP_FAILED)
    assert set(data["broken"]) == {"error", "traceback", "asset_keys"}
    assert data["broken"]["asset_keys"] == ["broken"]
    ended = instance.storage.get_events(failed.run_id, types=[EventType.RUN_FAILED])
    assert [set(r.event.data) for r in ended] == [{"error"}]
    reported = instance.report("orders", data_version="7", metadata={"rows": 1})
    data = _stored(instance, reported.run_id, EventType.ASSET_MATERIALIZED)
    assert data["orders"] == {"reported": True, "data_version": "7", "metadata": {"rows": 1}}


def test_asset_payload_reads_a_materialization_or_an_observation() -> None:
    observed = Event(run_id="r", type=EventType.ASSET_OBSERVED, data={"data_version": "5", "metadata": {"n": 1}})
    made = Event(run_id="r", type=EventType.ASSET_MATERIALIZED, data={"data_version": "6", "code_version": "2"})
    assert observed.asset_payload() == AssetObserved(data_version="5", metadata={"n": 1})
    assert made.asset_payload() == AssetMaterialized(data_version="6", code_version="2")


SRC = Path(hw.__file__).parent

READS_BY_KEY_ALLOWED: dict[str, str] = {
    # module (relative to src/headwater) -> why it may read a ``.data`` mapping by key
    "events": "the payload classes are where event data is read and written by key",
    "storage": "storage keeps ``data`` as stored JSON; its index tables read the few keys they index",
}


def _allowed(module: str) -> bool:
    return any(module == m or module.startswith(f"{m}/") for m in READS_BY_KEY_ALLOWED)


def _is_data(node: ast.AST, names: set[str]) -> bool:
    """``x.data`` (an event's data), or a local name bound to one."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        return True
    return isinstance(node, ast.Name) and node.id in names


def reads_by_key(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of each ``.data.get(...)``, ``.data[...]`` and ``{**x.data, ...}`` in ``tree``.

    A name bound with ``data = x.data`` anywhere in the module counts as ``x.data``.
    """
    names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and node.value.attr == "data"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if _is_data(node.func.value, names):
                found.append((node.lineno, ".data.get("))
        elif isinstance(node, ast.Subscript) and _is_data(node.value, names):
            found.append((node.lineno, ".data["))
        elif isinstance(node, ast.Dict) and any(
            k is None and _is_data(v, names) for k, v in zip(node.keys, node.values, strict=True)
        ):
            found.append((node.lineno, "{**.data}"))
    return sorted(found)


def test_reads_by_key_are_found() -> None:
    source = (
        "def f(event, record):\n"
        "    a = event.data.get('error')\n"
        "    b = record.event.data['data_version']\n"
        "    data = record.event.data\n"
        "    c = data.get('inputs')\n"
        "    d = {**event.data, 'attempt': 2}\n"
        "    e = Payload.from_data(event.data).error\n"
    )
    assert reads_by_key(ast.parse(source)) == [(2, ".data.get("), (3, ".data["), (5, ".data.get("), (6, "{**.data}")]


def test_no_module_reads_event_data_by_string_key() -> None:
    # Event data is read through the typed payloads (headwater.events), so a key is spelled once.
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).with_suffix("").as_posix()
        if _allowed(module):
            continue
        found.extend(f"{module}.py:{line}: {what}" for line, what in reads_by_key(ast.parse(path.read_text())))
    assert found == [], "read these through the payload classes of headwater.events:\n" + "\n".join(found)
