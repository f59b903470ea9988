"""The asset graph's layout, computed once per graph version on the server.

Lineage runs left to right: an asset's layer is one more than its deepest parent's. Each group is a
block: its assets sit in the layers it uses (empty layers squeezed out), rows ordered by the mean
position of their parents (one barycentre sweep), then centred. Blocks stand in columns: a group's
column is one more than the deepest group feeding it (cycles between groups broken by their first
layer), and blocks of one column stack. The browser turns (column, layer, row) into pixels, so
collapsing a group only shrinks its block. Pure: reads the graph, never storage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from headwater.graph import AssetGraph
from headwater.keys import AssetKey


@dataclass(frozen=True, kw_only=True, slots=True)
class Layout:
    """Positions by node index (the graph's topological order) and the compact JSON sent to pages."""

    keys: tuple[AssetKey, ...]
    index: dict[AssetKey, int]
    layer: list[int]
    row: list[float]
    group: list[int]
    groups: list[dict[str, Any]]
    edges: list[int]
    """Flat pairs ``parent, child`` of node indices."""
    json: bytes


def compute_layout(graph: AssetGraph, version: int) -> Layout:
    """Lay out ``graph``; ``version`` is echoed so pages can tell when the graph changed."""
    keys = graph.keys
    index = {key: i for i, key in enumerate(keys)}
    nodes = graph.nodes
    layer = [0] * len(keys)
    parents: list[list[int]] = [[] for _ in keys]
    for i, key in enumerate(keys):
        ups = [index[p] for p in nodes[key].parents]
        parents[i] = ups
        if ups:
            layer[i] = 1 + max(layer[p] for p in ups)
    names = list(graph.groups)
    first_layer = {name: min(layer[index[k]] for k in members) for name, members in graph.groups.items()}
    names.sort(key=lambda name: (first_layer[name], name))
    group_of = [0] * len(keys)
    for g, name in enumerate(names):
        for key in graph.groups[name]:
            group_of[index[key]] = g
    columns = _block_columns(len(names), parents, group_of)
    row = [0.0] * len(keys)
    absolute = [0.0] * len(keys)  # band offset + row, for barycentres across groups
    placed = [False] * len(keys)
    groups: list[dict[str, Any]] = []
    offset = 0.0
    for g, name in enumerate(names):
        members = [index[k] for k in graph.groups[name]]
        by_layer: dict[int, list[int]] = {}
        for i in members:
            by_layer.setdefault(layer[i], []).append(i)
        for column in by_layer.values():
            column.sort(key=lambda i: (_barycentre(parents[i], absolute, placed), i))
            for position, i in enumerate(column):
                row[i] = float(position)
                absolute[i] = offset + position
                placed[i] = True
        rows = max(len(column) for column in by_layer.values())
        for column in by_layer.values():
            shift = (rows - len(column)) / 2
            for i in column:
                row[i] = round(row[i] + shift, 1)
                absolute[i] = offset + row[i]
        low, high = min(by_layer), max(by_layer)
        block: dict[str, Any] = {"name": name, "rows": rows, "min": low, "max": high, "count": len(members)}
        block["col"] = columns[g]
        if len(by_layer) < high - low + 1:  # the layers it uses, when it skips some
            block["layers"] = sorted(by_layer)
        groups.append(block)
        offset += rows + 1
    edges = [value for child, ups in enumerate(parents) for parent in ups for value in (parent, child)]
    payload = {
        "version": version,
        "keys": [key.to_string() for key in keys],
        "layer": layer,
        "row": row,
        "group": group_of,
        "groups": groups,
        "edges": edges,
        "checks": [index[key] for key in graph.checks if key in index],
        "kinds": {str(index[key]): ",".join(sorted(node.spec.kinds)) for key, node in nodes.items() if node.spec.kinds},
    }
    data = json.dumps(payload, separators=(",", ":")).encode()
    return Layout(keys=keys, index=index, layer=layer, row=row, group=group_of, groups=groups, edges=edges, json=data)


def _block_columns(count: int, parents: list[list[int]], group_of: list[int]) -> list[int]:
    """Each group's block column: one more than the deepest earlier group feeding it.

    Groups are numbered by their first layer, so an edge into a group numbered lower (a cycle
    between groups) is not followed and every group gets a column.
    """
    feeds: list[set[int]] = [set() for _ in range(count)]
    for child, ups in enumerate(parents):
        to = group_of[child]
        for parent in ups:
            source = group_of[parent]
            if source < to:
                feeds[to].add(source)
    column = [0] * count
    for g in range(count):
        if feeds[g]:
            column[g] = 1 + max(column[s] for s in feeds[g])
    return column


def _barycentre(ups: list[int], absolute: list[float], placed: list[bool]) -> float:
    seen = [absolute[p] for p in ups if placed[p]]
    return sum(seen) / len(seen) if seen else float("inf")
