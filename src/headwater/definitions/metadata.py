"""Typed metadata values: markdown, a URL, a path, JSON, a table and a table schema.

A ``MetadataValue`` is a read-only mapping ``{"@type": kind, "value": ...}``, so the event log
stores it as plain JSON that records its type, and the UI shows it as what it is. Pure data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from headwater.errors import DefinitionError

TYPE_KEY: Final = "@type"
KINDS: Final = ("markdown", "url", "path", "json", "table", "table_schema")
URL_SCHEMES: Final = ("http", "https")


class MetadataValue(Mapping[str, Any]):
    """A metadata value with a type, made by one of the constructors::

        hw.Output(df, metadata={
            "readme": hw.MetadataValue.markdown("# Orders\\nOne row per order."),
            "dashboard": hw.MetadataValue.url("https://bi.example.com/orders"),
            "preview": hw.MetadataValue.table([{"id": 1, "amount": 12.5}]),
        })

    Plain dicts and lists given as metadata are stored as JSON as they are.
    """

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any) -> None:
        if kind not in KINDS:
            raise DefinitionError(
                f"hw.MetadataValue kind {kind!r} is not one of {', '.join(KINDS)}: "
                "make values with hw.MetadataValue.markdown(...), .url(...), .path(...), .json(...), .table(...)"
            )
        self.kind = kind
        self.value = value

    def __getitem__(self, name: str) -> Any:
        if name == TYPE_KEY:
            return self.kind
        if name == "value":
            return self.value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter((TYPE_KEY, "value"))

    def __len__(self) -> int:
        return 2

    def __repr__(self) -> str:
        return f"MetadataValue.{self.kind}({self.value!r})"

    @classmethod
    def markdown(cls, text: str) -> MetadataValue:
        """Markdown text (headings, lists, code, emphasis, links), shown formatted and never as HTML."""
        return cls("markdown", _text(text, "markdown"))

    @classmethod
    def url(cls, url: str) -> MetadataValue:
        """An http(s) URL, shown as a link."""
        text = _text(url, "url")
        if urlsplit(text).scheme.lower() not in URL_SCHEMES or not urlsplit(text).netloc:
            raise DefinitionError(
                f"hw.MetadataValue.url({text!r}): give an absolute http:// or https:// URL "
                "(for a file, use hw.MetadataValue.path)"
            )
        return cls("url", text)

    @classmethod
    def path(cls, path: str | os.PathLike[str]) -> MetadataValue:
        """A file or folder path."""
        if not isinstance(path, (str, os.PathLike)):
            raise DefinitionError(f"hw.MetadataValue.path takes a str or a pathlib.Path, got {type(path).__name__}")
        return cls("path", os.fspath(path))

    @classmethod
    def json(cls, data: Any) -> MetadataValue:
        """Nested JSON data (dicts, lists, strings, numbers, booleans, None), shown indented."""
        try:
            json.dumps(data, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise DefinitionError(
                f"hw.MetadataValue.json: the data is not JSON ({exc}); give dicts, lists, str, int, float, bool or None"
            ) from None
        return cls("json", data)

    @classmethod
    def table(cls, records: Sequence[Mapping[str, Any]], schema: MetadataValue | None = None) -> MetadataValue:
        """Rows as a list of dicts (the columns are their keys, in order), shown as a table; ``schema``
        (a ``MetadataValue.table_schema``) gives the column types."""
        if isinstance(records, (str, bytes, Mapping)) or not all(isinstance(r, Mapping) for r in records):
            raise DefinitionError(
                "hw.MetadataValue.table takes a list of dicts, one per row (e.g. df.head(5).to_dict('records'))"
            )
        if schema is not None and not (isinstance(schema, MetadataValue) and schema.kind == "table_schema"):
            raise DefinitionError("hw.MetadataValue.table(schema=...) takes a hw.MetadataValue.table_schema(...)")
        columns: dict[str, None] = {}
        for record in records:
            columns.update(dict.fromkeys(str(k) for k in record))
        value: dict[str, Any] = {
            "columns": list(columns),
            "rows": [[record.get(c) for c in columns] for record in records],
        }
        if schema is not None:
            value["schema"] = schema.value
        return cls("table", value)

    @classmethod
    def table_schema(cls, columns: Mapping[str, str] | Sequence[tuple[str, str]]) -> MetadataValue:
        """Column name -> type (a dict, or (name, type) pairs), shown as a table."""
        pairs = list(columns.items()) if isinstance(columns, Mapping) else list(columns)
        if not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
            raise DefinitionError(
                "hw.MetadataValue.table_schema takes {'column': 'type', ...} or [('column', 'type'), ...]"
            )
        return cls("table_schema", [{"name": str(name), "type": str(kind)} for name, kind in pairs])

    @classmethod
    def from_json(cls, data: Any) -> MetadataValue | None:
        """The typed value stored as ``data``, or None when ``data`` is not one."""
        if isinstance(data, Mapping) and set(data) == {TYPE_KEY, "value"} and data[TYPE_KEY] in KINDS:
            return cls(str(data[TYPE_KEY]), data["value"])
        return None


def _text(value: Any, kind: str) -> str:
    if not isinstance(value, str):
        raise DefinitionError(f"hw.MetadataValue.{kind} takes a str, got {type(value).__name__}")
    return value
