"""Typed metadata values: what each constructor stores, the errors they give, and the JSON form the
event log keeps (which records the type), read back by a fresh instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.definitions.metadata import MetadataValue

MD = hw.MetadataValue


def test_each_constructor_is_a_mapping_that_records_its_type(tmp_path: Path) -> None:
    assert dict(MD.markdown("# Orders")) == {"@type": "markdown", "value": "# Orders"}
    assert dict(MD.url("https://bi.example.com/orders")) == {"@type": "url", "value": "https://bi.example.com/orders"}
    assert dict(MD.path(tmp_path / "x.csv")) == {"@type": "path", "value": str(tmp_path / "x.csv")}
    assert dict(MD.json({"a": [1, {"b": None}]})) == {"@type": "json", "value": {"a": [1, {"b": None}]}}
    schema = MD.table_schema({"id": "int", "amount": "float"})
    assert schema.value == [{"name": "id", "type": "int"}, {"name": "amount", "type": "float"}]
    table = MD.table([{"id": 1, "amount": 2.5}, {"id": 2, "note": "late"}], schema=schema)
    assert table.value == {
        "columns": ["id", "amount", "note"],
        "rows": [[1, 2.5, None], [2, None, "late"]],
        "schema": schema.value,
    }
    assert MetadataValue.from_json(dict(table)) == table
    assert MetadataValue.from_json({"@type": "nope", "value": 1}) is None
    assert MetadataValue.from_json({"value": 1}) is None
    assert repr(MD.markdown("hi")) == "MetadataValue.markdown('hi')"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: MD.url("javascript:alert(1)"),
            "hw.MetadataValue.url('javascript:alert(1)'): give an absolute http:// or https:// URL "
            "(for a file, use hw.MetadataValue.path)",
        ),
        (lambda: MD.url("/relative"), "give an absolute http:// or https:// URL"),
        (lambda: MD.markdown(3), "hw.MetadataValue.markdown takes a str, got int"),
        (lambda: MD.path(3), "hw.MetadataValue.path takes a str or a pathlib.Path, got int"),
        (
            lambda: MD.json({"when": object()}),
            "hw.MetadataValue.json: the data is not JSON (Object of type object is not JSON serializable); "
            "give dicts, lists, str, int, float, bool or None",
        ),
        (
            lambda: MD.table({"id": 1}),
            "hw.MetadataValue.table takes a list of dicts, one per row (e.g. df.head(5).to_dict('records'))",
        ),
        (
            lambda: MD.table([{"id": 1}], schema={"id": "int"}),
            "hw.MetadataValue.table(schema=...) takes a hw.MetadataValue.table_schema(...)",
        ),
        (
            lambda: MD.table_schema(["id"]),
            "hw.MetadataValue.table_schema takes {'column': 'type', ...} or [('column', 'type'), ...]",
        ),
        (
            lambda: MetadataValue("html", "<b>"),
            "hw.MetadataValue kind 'html' is not one of markdown, url, path, json, table, table_schema: make values "
            "with hw.MetadataValue.markdown(...), .url(...), .path(...), .json(...), .table(...)",
        ),
    ],
)
def test_wrong_values_say_what_to_give(make: Any, message: str) -> None:
    with pytest.raises(hw.DefinitionError) as info:
        make()
    assert message in str(info.value)


@hw.asset
def orders(context: hw.Context) -> hw.Output[int]:
    context.add_metadata({"owner_page": MD.url("https://wiki.example.com/orders")})
    return hw.Output(
        2,
        metadata={
            "readme": MD.markdown("# Orders\nOne row per **order**."),
            "preview": MD.table([{"id": 1}, {"id": 2}]),
            "tags": {"team": {"name": "finance", "on_call": ["ana", "li"]}},  # nested: stored as JSON
            "rows": 2,
        },
    )


def test_a_materialization_stores_typed_values_as_json_with_their_type(tmp_path: Path) -> None:
    config = hw.InstanceConfig(home=str(tmp_path))
    with hw.Instance.from_config(config) as instance:
        assert instance.materialize(hw.Definitions(assets=[orders])).success
    with hw.Instance.from_config(config) as reopened:  # read back from the database file
        (record,) = reopened.storage.asset_events(hw.AssetKey("orders"), types=[hw.EventType.ASSET_MATERIALIZED])
        metadata = record.event.data["metadata"]
        history = reopened.metadata_history("orders", "rows")
    assert metadata["readme"] == {"@type": "markdown", "value": "# Orders\nOne row per **order**."}
    assert metadata["preview"] == {"@type": "table", "value": {"columns": ["id"], "rows": [[1], [2]]}}
    assert metadata["owner_page"] == {"@type": "url", "value": "https://wiki.example.com/orders"}
    assert metadata["tags"] == {"team": {"name": "finance", "on_call": ["ana", "li"]}}
    assert MetadataValue.from_json(metadata["readme"]) == MD.markdown("# Orders\nOne row per **order**.")
    assert [point.value for point in history] == [2]  # numbers are still plotted; typed values are not
