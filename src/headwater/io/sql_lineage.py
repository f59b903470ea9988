"""Which upstream columns each output column of a SQL asset's query is computed from.

Read from DuckDB's own parse tree (``json_serialize_sql``), so ``sum(o.amount) AS revenue`` links
``revenue`` to ``orders.amount``. Covers one SELECT over base tables and joins; anything else
(CTEs, subqueries, set operations) gives no answer rather than a guess, and column lineage then
falls back on matching names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

Links = dict[str, list[dict[str, str]]]
"""Output column -> the upstream ``{"asset": key, "column": name}`` it is computed from."""


class _Unsupported(Exception):
    """The query has a shape this reader does not follow."""


def _tables(node: Mapping[str, Any], keys: Mapping[tuple[str, str], str], scope: dict[str, str]) -> None:
    """Fill ``scope`` (alias or table name -> asset key) from a FROM clause."""
    kind = node.get("type")
    if kind == "BASE_TABLE":
        key = keys.get((str(node.get("schema_name") or "main"), str(node["table_name"])))
        if key is None:
            raise _Unsupported("a table that is not an upstream asset")
        scope[str(node.get("alias") or node["table_name"])] = key
    elif kind == "JOIN":
        _tables(node["left"], keys, scope)
        _tables(node["right"], keys, scope)
    else:
        raise _Unsupported(str(kind))


def _refs(expression: Any) -> Iterator[list[str]]:
    """Every column reference (its name parts) inside an expression."""
    if isinstance(expression, Mapping):
        if expression.get("class") == "COLUMN_REF":
            yield [str(p) for p in expression["column_names"]]
            return
        if expression.get("class") == "SUBQUERY":
            raise _Unsupported("subquery")
        for value in expression.values():
            yield from _refs(value)
    elif isinstance(expression, list):
        for item in expression:
            yield from _refs(item)


def _sources(parts: list[str], scope: Mapping[str, str], columns: Mapping[str, set[str]]) -> list[tuple[str, str]]:
    name = parts[-1]
    if len(parts) >= 2:
        key = scope.get(parts[-2])
        return [(key, name)] if key is not None else []
    return [(key, name) for key in dict.fromkeys(scope.values()) if name in columns.get(key, set())]


def _star(item: Mapping[str, Any], scope: Mapping[str, str], columns: Mapping[str, set[str]], links: Links) -> None:
    """``*`` or ``t.* EXCLUDE (...)``: each column of the table(s) under its own name."""
    if item.get("replace_list") or item.get("rename_list") or item.get("columns") or item.get("expr"):
        raise _Unsupported("a star with REPLACE, RENAME or COLUMNS")
    if item.get("qualified_exclude_list"):
        raise _Unsupported("a star excluding qualified columns")
    named = item.get("relation_name")
    excluded = {str(c) for c in item.get("exclude_list") or ()}
    for key in dict.fromkeys([scope[named]] if named else scope.values()):
        for column in sorted(columns.get(key, set()) - excluded):
            links.setdefault(column, []).append({"asset": key, "column": column})


def column_sources(
    tree: Mapping[str, Any], keys: Mapping[tuple[str, str], str], columns: Mapping[str, set[str]]
) -> Links | None:
    """Links of a parsed query (``json_serialize_sql`` output), or None when it cannot be followed.

    ``keys`` maps (schema, table) to the asset key stored there; ``columns`` gives each key's columns.
    """
    try:
        if tree.get("error") or len(tree.get("statements", ())) != 1:
            return None
        node = tree["statements"][0]["node"]
        if node.get("type") != "SELECT_NODE" or node.get("cte_map", {}).get("map"):
            return None
        scope: dict[str, str] = {}
        _tables(node["from_table"], keys, scope)
        links: Links = {}
        for item in node["select_list"]:
            if item.get("class") == "STAR":
                _star(item, scope, columns, links)
                continue
            out = item.get("alias") or (item["column_names"][-1] if item.get("class") == "COLUMN_REF" else None)
            if not out:
                continue  # an unnamed expression: DuckDB makes up its column name
            found = dict.fromkeys(source for parts in _refs(item) for source in _sources(parts, scope, columns))
            links[str(out)] = [{"asset": key, "column": column} for key, column in found]
        return links
    except (_Unsupported, KeyError, TypeError, IndexError):
        return None


def query_links(con: Any, sql: str, keys: Mapping[tuple[str, str], str]) -> Links | None:
    """Links of ``sql`` parsed by the DuckDB connection ``con``; None when it cannot be followed."""
    parsed = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchall()
    tree = json.loads(parsed[0][0])
    columns: dict[str, set[str]] = {key: set() for key in keys.values()}
    for (schema, table), key in keys.items():
        rows = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
        columns[key] = {str(row[0]) for row in rows}
    return column_sources(tree, keys, columns)
