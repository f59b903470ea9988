"""Evaluate selection expressions against an AssetGraph: ``select(graph, "+mart/* and group:finance")``.

Owns the meaning of each atom and operator; the grammar is in ``selection_parser``.
Run-history selectors (``status:``, ``changed:``) are answered by callbacks the
caller supplies, so this module never touches storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fnmatch import translate
from typing import TYPE_CHECKING

from headwater.errors import SelectionError, did_you_mean
from headwater.graph.selection_parser import (
    Attr,
    Down,
    Glob,
    Intersect,
    Key,
    Not,
    SelectionNode,
    Union,
    Up,
    clip,
    parse_selection,
    selection_error,
)
from headwater.keys import AssetKey

if TYPE_CHECKING:
    # Only for annotations: the graph module imports this one to check schedules' selections.
    from headwater.graph.asset_graph import AssetGraph

__all__ = [
    "Attr",
    "Down",
    "Glob",
    "Intersect",
    "Key",
    "Not",
    "Predicate",
    "SelectionNode",
    "Union",
    "Up",
    "parse_selection",
    "select",
]

Predicate = Callable[[str], frozenset[AssetKey]]
"""Answers a run-history selector: ``predicates["status"]("stale")`` -> the stale keys."""

_CALLBACK_SELECTORS = frozenset({"status", "changed"})


def select(
    graph: AssetGraph,
    text: str | None,
    *,
    predicates: Mapping[str, Predicate] | None = None,
) -> frozenset[AssetKey]:
    """The keys of ``graph`` selected by ``text``; None, ``""`` and ``"*"`` select every key.

    Args:
        graph: the graph to select from.
        text: a selection expression such as ``"+mart/revenue and not tag:tier=bronze"``.
        predicates: callbacks for ``status:`` and ``changed:``, keyed by selector name;
            each receives the value (``"stale"``, ``"code"``) and returns keys.

    Raises:
        SelectionError: the text does not parse, names an unknown asset or group, or
            uses ``status:``/``changed:`` without a callback.
    """
    if text is None or text.strip() in ("", "*"):
        return frozenset(graph.nodes)
    return _Evaluator(graph, text, predicates or {}).evaluate(parse_selection(text))


class _Evaluator:
    """Evaluates one parsed expression; recursion follows parenthesis nesting only."""

    def __init__(self, graph: AssetGraph, text: str, predicates: Mapping[str, Predicate]) -> None:
        self.graph = graph
        self.text = text
        self.predicates = predicates
        self.memo: dict[int, frozenset[AssetKey]] = {}  # by id(): '+x+' evaluates x once

    def evaluate(self, node: SelectionNode) -> frozenset[AssetKey]:
        graph = self.graph
        match node:
            case Key(key=key, pos=pos):
                if key not in graph.nodes:
                    raise selection_error(
                        self.text,
                        pos,
                        f"no asset '{clip(key.to_string())}'{did_you_mean(key.to_string(), graph.key_strings)}",
                        "`headwater assets list` shows every key",
                    )
                return frozenset((key,))
            case Glob(pattern=pattern):
                return self.glob(pattern)
            case Attr(name=name, value=value, pos=pos):
                return self.attr(name, value, pos)
            case Up(node=inner, depth=depth):
                base = self.inner(inner)
                return base | graph.upstream(base, depth)
            case Down(node=inner, depth=depth):
                base = self.inner(inner)
                return base | graph.downstream(base, depth)
            case Union(items=items):
                selected: set[AssetKey] = set()
                for item in items:
                    selected.update(self.evaluate(item))
                return frozenset(selected)
            case Intersect(items=items):
                common = set(self.evaluate(items[0]))
                for item in items[1:]:
                    common.intersection_update(self.evaluate(item))
                return frozenset(common)
            case Not(node=inner):
                return frozenset(graph.nodes).difference(self.evaluate(inner))

    def inner(self, node: SelectionNode) -> frozenset[AssetKey]:
        found = self.memo.get(id(node))
        if found is None:
            found = self.memo[id(node)] = self.evaluate(node)
        return found

    def glob(self, pattern: str) -> frozenset[AssetKey]:
        match = re.compile(translate(pattern)).match
        return frozenset(key for key in self.graph.nodes if match(key.to_string()))

    def attr(self, name: str, value: str, pos: int) -> frozenset[AssetKey]:
        if name in _CALLBACK_SELECTORS:
            return self.callback(name, value)
        if name == "group":
            groups = self.graph.groups
            if value not in groups:
                raise selection_error(
                    self.text,
                    pos,
                    f"no group '{clip(value)}'{did_you_mean(value, groups)}",
                    "groups are " + ", ".join(groups),
                )
            return frozenset(groups[value])
        specs = ((key, node.spec) for key, node in self.graph.nodes.items())
        if name == "tag":
            tag, has_value, wanted = value.partition("=")
            if has_value:
                return frozenset(key for key, spec in specs if spec.tags.get(tag) == wanted)
            return frozenset(key for key, spec in specs if tag in spec.tags)
        if name == "owner":
            return frozenset(key for key, spec in specs if value in spec.owners)
        return frozenset(key for key, spec in specs if value in spec.kinds)  # name == "kind"

    def callback(self, name: str, value: str) -> frozenset[AssetKey]:
        predicate = self.predicates.get(name)
        if predicate is None:
            raise SelectionError(
                f"{name}: needs an instance; '{name}:{value}' is answered from run history, so pass "
                f"predicates={{'{name}': ...}} to select() (the CLI and web UI supply it)"
            )
        return frozenset(predicate(value)).intersection(self.graph.nodes)
