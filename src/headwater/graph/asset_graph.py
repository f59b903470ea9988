"""The immutable lineage graph of a Definitions, keyed by AssetKey.

Resolves inputs to upstream keys, validates (duplicates, unknown keys, cycles)
with errors that say where and how to fix, and answers graph queries without
recursion. Never runs user code.
"""

from __future__ import annotations

import graphlib
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from headwater.definitions import AssetSpec, CheckSpec, Definitions, Op, Param, ParamKind
from headwater.errors import CycleError, DefinitionError, SelectionError, did_you_mean
from headwater.gcpause import gc_paused
from headwater.graph.declared_names import check_io_managers, check_schedules
from headwater.graph.derived import GraphIndex, GraphPartitions, index_graph, partition_graph
from headwater.graph.op_split import split_round_trips
from headwater.graph.publishing import Publishing
from headwater.keys import AssetKey


@dataclass(frozen=True, kw_only=True, slots=True)
class Binding:
    """How an op's parameters are fed: input param -> upstream key, resource param -> name."""

    inputs: Mapping[str, AssetKey]
    resources: Mapping[str, str]


@dataclass(frozen=True, kw_only=True, slots=True)
class AssetNode:
    """One asset in the graph with its parent and child keys."""

    key: AssetKey
    spec: AssetSpec[..., Any]
    parents: frozenset[AssetKey]
    children: frozenset[AssetKey]


class _Resolver:
    """Resolves parameter names to asset keys, with helpful errors."""

    def __init__(self, keys: Collection[AssetKey], resources: Mapping[str, Any]) -> None:
        self.keys = set(keys)
        self.names = [k.to_string() for k in keys]
        self.by_last: dict[str, list[AssetKey]] = {}
        for key in keys:
            self.by_last.setdefault(key.name, []).append(key)
        self.resources = resources

    def known(self, key: AssetKey, *, what: str, owner: str, site: str) -> AssetKey:
        if key not in self.keys:
            raise DefinitionError(
                f"{owner} ({site}) {what} '{key}', which is not an asset in these definitions"
                f"{did_you_mean(key.to_string(), self.names)}; add it to Definitions(assets=...) "
                "or fix the key"
            )
        return key

    def by_name(self, param: Param, prefix: tuple[str, ...]) -> AssetKey | None:
        for candidate in (AssetKey(param.name), AssetKey(*prefix, param.name) if prefix else None):
            if candidate is not None and candidate in self.keys:
                return candidate
        matches = self.by_last.get(param.name, [])
        if len(matches) > 1:
            options = ", ".join(sorted(m.to_string() for m in matches))
            raise DefinitionError(
                f"parameter '{param.name}' matches several assets ({options}); "
                f"say which with ins={{'{param.name}': '{matches[0]}'}}"
            )
        return matches[0] if matches else None

    def bind(self, params: Iterable[Param], *, prefix: tuple[str, ...], owner: str, site: str) -> Binding:
        inputs: dict[str, AssetKey] = {}
        resources: dict[str, str] = {}
        for param in params:
            if param.kind is ParamKind.RESOURCE:
                if param.name not in self.resources:
                    raise DefinitionError(
                        f"{owner} ({site}) needs resource '{param.name}', which is not in "
                        f"Definitions(resources=...){did_you_mean(param.name, self.resources)}; "
                        f"declared resources: {', '.join(sorted(self.resources)) or '(none)'}"
                    )
                resources[param.name] = param.name
            elif param.kind is ParamKind.INPUT:
                if param.key is not None:
                    inputs[param.name] = self.known(param.key, what="has ins= naming", owner=owner, site=site)
                    continue
                try:
                    key = self.by_name(param, prefix)
                except DefinitionError as exc:
                    raise DefinitionError(f"{owner} ({site}): {exc}") from None
                if key is not None:
                    inputs[param.name] = key
                elif param.name in self.resources:
                    resources[param.name] = param.name
                elif not param.has_default:
                    raise DefinitionError(
                        f"{owner} ({site}) has parameter '{param.name}', which matches no asset"
                        f"{did_you_mean(param.name, [k.name for k in self.keys] + list(self.resources))} "
                        "and no resource: name it after an upstream asset, map it with "
                        f"ins={{'{param.name}': 'some/key'}}, or annotate it with a hw.Resource or "
                        "hw.Config subclass"
                    )
        return Binding(inputs=inputs, resources=resources)


class AssetGraph:
    """Assets by key, with parents, children, ops and checks. Immutable."""

    def __init__(
        self,
        nodes: Mapping[AssetKey, AssetNode],
        bindings: Mapping[str, Binding],
        checks: Mapping[AssetKey, tuple[CheckSpec, ...]],
        check_bindings: Mapping[str, Binding],
        order: tuple[AssetKey, ...],
        publishing: Publishing | None = None,
    ) -> None:
        self.nodes = nodes
        self.bindings = bindings
        self.checks = checks
        self.check_bindings = check_bindings
        self.keys = order
        """All keys in a topological order (parents before children)."""
        self.publishing = publishing or Publishing()
        """Which assets are held back until their checks pass, and which publish together."""

    @classmethod
    def from_definitions(cls, defs: Definitions) -> AssetGraph:
        """Build and validate the graph of ``defs``, partition mappings included.

        Each call builds anew; ``Instance.graph_for`` keeps the graph of the definitions it is given.
        """
        with gc_paused():
            graph = _build(defs)
            # Partition mappings and schedules are checked with the graph, so `headwater check` reports them too.
            _ = graph.partitions
            check_schedules(graph, defs)
        return graph

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def node(self, key: AssetKey | str) -> AssetNode:
        """The node for ``key``; unknown keys raise SelectionError with suggestions."""
        asset_key = AssetKey.parse(key)
        node = self.nodes.get(asset_key)
        if node is None:
            raise SelectionError(
                f"no asset '{asset_key}'{did_you_mean(asset_key.to_string(), self.key_strings)}; "
                "`headwater assets list` shows every key"
            )
        return node

    def spec(self, key: AssetKey) -> AssetSpec[..., Any]:
        """The spec of ``key``."""
        return self.nodes[key].spec

    @cached_property
    def key_strings(self) -> list[str]:
        """Every key printed ``a/b``, sorted."""
        return sorted(k.to_string() for k in self.nodes)

    @cached_property
    def groups(self) -> dict[str, tuple[AssetKey, ...]]:
        """Group name -> keys, in topological order."""
        out: dict[str, list[AssetKey]] = {}
        for key in self.keys:
            out.setdefault(self.nodes[key].spec.group, []).append(key)
        return {g: tuple(ks) for g, ks in sorted(out.items())}

    @cached_property
    def ops(self) -> dict[str, Op]:
        """Op name -> op, for every asset computed in code."""
        out: dict[str, Op] = {}
        for node in self.nodes.values():
            if node.spec.op is not None:
                out.setdefault(node.spec.op.name, node.spec.op)
        return out

    @cached_property
    def partitions(self) -> GraphPartitions:
        """The partitioned assets and every op's upstream edges with checked mappings (computed once).

        Raises DefinitionError naming the asset and input when a mapping cannot work.
        """
        return partition_graph(self)

    @cached_property
    def index(self) -> GraphIndex:
        """The graph by position in ``keys``, for walks that must stay fast on 10,000 assets (computed once)."""
        return index_graph(self)

    def op_of(self, key: AssetKey) -> Op | None:
        """The op computing ``key`` (None for source assets)."""
        return self.nodes[key].spec.op

    def _walk(self, start: Iterable[AssetKey], depth: int | None, *, up: bool) -> frozenset[AssetKey]:
        seen: set[AssetKey] = set()
        queue: deque[tuple[AssetKey, int]] = deque((k, 0) for k in start)
        while queue:
            key, level = queue.popleft()
            if depth is not None and level >= depth:
                continue
            node = self.nodes[key]
            for nxt in node.parents if up else node.children:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, level + 1))
        return frozenset(seen)

    def upstream(self, keys: Iterable[AssetKey], depth: int | None = None) -> frozenset[AssetKey]:
        """Ancestors of ``keys`` up to ``depth`` levels (all when None), excluding ``keys``."""
        return self._walk(keys, depth, up=True)

    def downstream(self, keys: Iterable[AssetKey], depth: int | None = None) -> frozenset[AssetKey]:
        """Descendants of ``keys`` up to ``depth`` levels (all when None), excluding ``keys``."""
        return self._walk(keys, depth, up=False)

    def sort(self, keys: Collection[AssetKey]) -> list[AssetKey]:
        """``keys`` in topological order."""
        wanted = keys if isinstance(keys, (set, frozenset)) else set(keys)
        return [k for k in self.keys if k in wanted]


def _build(defs: Definitions) -> AssetGraph:
    specs: dict[AssetKey, AssetSpec[..., Any]] = {}
    for spec in defs.asset_specs:
        other = specs.get(spec.key)
        if other is not None and other is not spec:
            raise DefinitionError(
                f"asset key '{spec.key}' is defined twice: at {other.site or '(source asset)'} and at "
                f"{spec.site or '(source asset)'}; give one of them another name= or key_prefix="
            )
        specs[spec.key] = spec
    check_io_managers(specs.values(), defs)
    resolver = _Resolver(specs.keys(), defs.resources)
    bindings: dict[str, Binding] = {}
    op_sites: dict[str, str] = {}
    parents: dict[AssetKey, set[AssetKey]] = {}
    for key, spec in specs.items():
        ups: set[AssetKey] = set()
        owner = f"asset '{key}'"
        for dep in spec.deps:
            ups.add(resolver.known(dep, what="has deps= naming", owner=owner, site=spec.site))
        if spec.op is not None:
            op = spec.op
            binding = bindings.get(op.name)
            if binding is None:
                if op.name in op_sites and op_sites[op.name] != op.site:
                    raise DefinitionError(
                        f"two computations are named '{op.name}' (at {op_sites[op.name]} and {op.site}); "
                        "rename one with name="
                    )
                binding = resolver.bind(op.params, prefix=key.prefix, owner=owner, site=op.site)
                bindings[op.name] = binding
                op_sites[op.name] = op.site
            ups.update(binding.inputs.values())
        parents[key] = ups
    checks: dict[AssetKey, list[CheckSpec]] = {}
    check_bindings: dict[str, Binding] = {}
    for chk in defs.checks:
        owner = f"check '{chk.id}'"
        resolver.known(chk.asset_key, what="checks", owner=owner, site=chk.site)
        if chk.id in check_bindings:
            raise DefinitionError(f"check '{chk.id}' is defined twice (second at {chk.site}); give one another name=")
        check_bindings[chk.id] = resolver.bind(chk.params, prefix=chk.asset_key.prefix, owner=owner, site=chk.site)
        checks.setdefault(chk.asset_key, []).append(chk)
    order = _toposort(parents)
    specs, bindings = split_round_trips(specs, bindings, parents, order)  # e.g. dbt -> Python -> dbt
    children: dict[AssetKey, list[AssetKey]] = {}
    for key, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(key)
    none: frozenset[AssetKey] = frozenset()
    nodes = {
        key: AssetNode(
            key=key,
            spec=specs[key],
            parents=frozenset(parents[key]) if parents[key] else none,
            children=frozenset(children[key]) if key in children else none,
        )
        for key in order
    }
    publishing = Publishing.of(defs, specs)
    return AssetGraph(nodes, bindings, {k: tuple(v) for k, v in checks.items()}, check_bindings, order, publishing)


def _toposort(parents: Mapping[AssetKey, Collection[AssetKey]]) -> tuple[AssetKey, ...]:
    """Kahn's algorithm (no recursion); on a cycle, graphlib finds and prints it."""
    remaining = {key: len(ups) for key, ups in parents.items()}
    children: dict[AssetKey, list[AssetKey]] = {}
    for key, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(key)
    ready = deque(key for key, count in remaining.items() if count == 0)
    order: list[AssetKey] = []
    while ready:
        key = ready.popleft()
        order.append(key)
        for child in children.get(key, ()):
            remaining[child] -= 1
            if remaining[child] == 0:
                ready.append(child)
    if len(order) == len(parents):
        return tuple(order)
    sorter: graphlib.TopologicalSorter[AssetKey] = graphlib.TopologicalSorter(parents)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle: list[AssetKey] = exc.args[1]
        path = " -> ".join(str(k) for k in cycle)
        raise CycleError(
            f"the asset graph has a cycle: {path}; an asset cannot depend on itself, directly or "
            "through its downstream: remove one of these dependencies"
        ) from None
    raise CycleError("the asset graph has a cycle")  # graphlib always names one
