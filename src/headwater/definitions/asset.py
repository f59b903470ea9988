"""``@hw.asset``, ``@hw.multi_asset`` and ``hw.SourceAsset``: declaring assets.

Builds frozen ``AssetSpec`` objects and validates what was declared; never runs
user code and never touches storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, Generic, ParamSpec, TypeVar, overload

from headwater.definitions.conditions import AutomationCondition
from headwater.definitions.declared import (
    DEFAULT_GROUP,
    automation_of,
    callable_of,
    code_version_of,
    description_of,
    group_name,
    key_prefix_parts,
    keywords_checked,
    pool_name,
    retry_of,
    str_mapping,
    str_seq,
)
from headwater.definitions.freshness import Freshness, check_freshness
from headwater.definitions.params import Param, ParamKind, classify_params, definition_site
from headwater.definitions.partitions import PartitionMapping, PartitionsDefinition
from headwater.definitions.partitions.declare import check_partitioning
from headwater.definitions.retry import Retry
from headwater.errors import DefinitionError
from headwater.keys import AssetKey, CoercibleToKey, check_key_part, to_key

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_IO_MANAGER = "io_manager"


@dataclass(frozen=True, kw_only=True)
class Op:
    """The computation behind one or more assets: a function and its parameters.

    ``outs`` maps output names to the asset keys they produce (one for ``@asset``).
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[Param, ...]
    outs: tuple[tuple[str, AssetKey], ...]
    site: str
    multi: bool = False
    retry: Retry | None = None
    subsettable: bool = False
    """Whether a run may compute only the selected ``outs``: the function reads ``context.asset_keys``."""
    pool: str | None = None
    """The concurrency pool of its steps: ``[runs.pools] name = N`` in headwater.toml caps them across runs."""

    @cached_property
    def keys(self) -> tuple[AssetKey, ...]:
        """The asset keys produced."""
        return tuple(key for _, key in self.outs)

    def params_of(self, kind: ParamKind) -> tuple[Param, ...]:
        """Parameters of one kind."""
        return tuple(p for p in self.params if p.kind is kind)


@dataclass(frozen=True, kw_only=True)
class AssetSpec(Generic[P, R]):
    """A declared asset. Calling it calls the user's function unchanged (for unit tests)."""

    key: AssetKey
    op: Op | None
    group: str = DEFAULT_GROUP
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    owners: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    code_version: str | None = None
    deps: tuple[AssetKey, ...] = ()
    io_manager: str = DEFAULT_IO_MANAGER
    automation: AutomationCondition | None = None
    is_source: bool = False
    observe: Callable[..., Any] | None = None
    observe_interval: timedelta | None = None
    """How often the daemon calls ``observe`` (source assets only; None: only ``headwater observe``)."""
    site: str = ""
    partitions: PartitionsDefinition | None = None
    partition_mappings: Mapping[str, PartitionMapping] = field(default_factory=dict)
    backfill_policy: str | None = None
    freshness: Freshness | None = None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self.op is None:
            raise DefinitionError(f"source asset '{self.key}' has no function to call")
        result: R = self.op.fn(*args, **kwargs)
        return result


@dataclass(frozen=True, kw_only=True)
class AssetOut:
    """One output of a ``@multi_asset``: where its key and attributes differ from the defaults."""

    key: CoercibleToKey | None = None
    group: str | None = None
    description: str | None = None
    tags: Mapping[str, str] | None = None
    owners: Sequence[str] | None = None
    kinds: Iterable[str] | None = None
    metadata: Mapping[str, Any] | None = None
    code_version: str | None = None
    io_manager: str | None = None


@dataclass(frozen=True, kw_only=True)
class MultiAsset(Generic[P, R]):
    """Several assets computed by one function (``@hw.multi_asset``)."""

    op: Op
    specs: tuple[AssetSpec[P, R], ...]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self.op.fn(*args, **kwargs)
        return result


def _as_key(value: Any, what: str, where: str) -> AssetKey:
    if isinstance(value, AssetSpec):
        return value.key
    if isinstance(value, (str, AssetKey)):
        try:
            return AssetKey.parse(value)
        except DefinitionError as exc:
            raise DefinitionError(f"{where} {what}: {exc}") from None
    try:
        return to_key(value, where=f"{where} {what}")
    except DefinitionError:
        raise
    except Exception as exc:
        raise DefinitionError(f"{where}: {what} entry {value!r} is not an asset key") from exc


def _deps(deps: Iterable[Any] | None, where: str) -> tuple[AssetKey, ...]:
    if deps is None:
        return ()
    if isinstance(deps, (str, AssetKey)):
        raise DefinitionError(f"{where}: deps must be a list, e.g. deps=['raw/orders']")
    return tuple(_as_key(d, "deps", where) for d in deps)


def _ins(ins: Mapping[str, Any] | None, where: str) -> dict[str, AssetKey]:
    if ins is None:
        return {}
    if not isinstance(ins, Mapping):
        raise DefinitionError(f"{where}: ins must map parameter names to asset keys, e.g. ins={{'o': 'raw/orders'}}")
    return {name: _as_key(value, "ins", where) for name, value in ins.items()}


@overload
def asset(fn: Callable[P, R], /) -> AssetSpec[P, R]: ...


@overload
def asset(
    *,
    name: str | None = None,
    key: CoercibleToKey | None = None,
    key_prefix: str | Sequence[str] | None = None,
    group: str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Iterable[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    code_version: str | None = None,
    automation: AutomationCondition | None = None,
    ins: Mapping[str, Any] | None = None,
    deps: Iterable[Any] | None = None,
    io_manager: str | None = None,
    retry: Retry | None = None,
    partitions: PartitionsDefinition | None = None,
    partition_mappings: Mapping[str, PartitionMapping] | None = None,
    backfill_policy: str | None = None,
    freshness: Freshness | None = None,
    pool: str | None = None,
) -> Callable[[Callable[P, R]], AssetSpec[P, R]]: ...


@keywords_checked
def asset(
    fn: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    key: CoercibleToKey | None = None,
    key_prefix: str | Sequence[str] | None = None,
    group: str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Iterable[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    code_version: str | None = None,
    automation: AutomationCondition | None = None,
    ins: Mapping[str, Any] | None = None,
    deps: Iterable[Any] | None = None,
    io_manager: str | None = None,
    retry: Retry | None = None,
    partitions: PartitionsDefinition | None = None,
    partition_mappings: Mapping[str, PartitionMapping] | None = None,
    backfill_policy: str | None = None,
    freshness: Freshness | None = None,
    pool: str | None = None,
) -> AssetSpec[P, R] | Callable[[Callable[P, R]], AssetSpec[P, R]]:
    """Declare an asset computed by the decorated function.

    The key is the function's name (or ``name=``), after ``key_prefix``; ``key=``
    gives it whole. Parameters named like other assets are inputs; ``ins=`` maps a
    parameter to another key and ``deps=`` adds upstream assets that are not loaded.
    ``automation=`` (``hw.eager()``, ``hw.on_cron(...)``, ...) lets the daemon request it.
    ``partitions=`` splits the asset (e.g. ``hw.DailyPartitions(start=...)``);
    ``partition_mappings={"param": hw.TimeWindowMapping(...)}`` says which upstream
    partitions an input reads; ``backfill_policy="single_run"`` lets a backfill run a
    whole range at once (the function then returns ``{partition_key: value}``).
    ``freshness=hw.Freshness(max_lag=...)`` says how current it must be (``assets status``).
    ``pool="warehouse"`` puts its steps in a pool that ``[runs.pools]`` in headwater.toml limits.
    """

    def build(func: Callable[P, R]) -> AssetSpec[P, R]:
        func = callable_of(func, "@hw.asset")
        site = definition_site(func)
        label = f"@asset {getattr(func, '__name__', func)!r}"
        if key is not None:
            if name is not None or key_prefix is not None:
                raise DefinitionError(f"{label} ({site}): give either key= or name=/key_prefix=, not both")
            asset_key = _as_key(key, "key", label)
        else:
            base = name if name is not None else getattr(func, "__name__", "")
            if base == "<lambda>":
                raise DefinitionError(f"@hw.asset on a lambda ({site}) needs a name: use @hw.asset(name='...')")
            check_key_part(base, where=f"{label} name")
            asset_key = AssetKey.parse("/".join((*key_prefix_parts(key_prefix, label), base)))
        owner = f"asset '{asset_key}'"
        params = classify_params(func, ins=_ins(ins, owner), owner=owner)
        op = Op(
            name=asset_key.to_string(),
            fn=func,
            params=params,
            outs=(("result", asset_key),),
            site=site,
            retry=retry_of(retry, owner),
            pool=pool_name(pool, owner),
        )
        dep_keys = _deps(deps, owner)
        parts, mappings, policy = check_partitioning(
            partitions, partition_mappings, backfill_policy, params, dep_keys, f"{owner} ({site})"
        )
        return AssetSpec(
            key=asset_key,
            op=op,
            group=group_name(group, owner),
            description=description_of(func, description),
            tags=str_mapping(tags, "tags", owner),
            owners=str_seq(owners, "owners", owner),
            kinds=frozenset(str_seq(kinds, "kinds", owner)),
            metadata=dict(metadata or {}),
            code_version=code_version_of(code_version, owner),
            deps=dep_keys,
            io_manager=io_manager or DEFAULT_IO_MANAGER,
            automation=automation_of(automation, owner),
            site=site,
            partitions=parts,
            partition_mappings=mappings,
            backfill_policy=policy,
            freshness=check_freshness(freshness, owner),
        )

    if fn is not None:
        return build(fn)
    return build


@keywords_checked
def multi_asset(
    *,
    outs: Mapping[str, AssetOut | None],
    name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    group: str | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Iterable[str] | None = None,
    code_version: str | None = None,
    ins: Mapping[str, Any] | None = None,
    deps: Iterable[Any] | None = None,
    io_manager: str | None = None,
    retry: Retry | None = None,
    partitions: PartitionsDefinition | None = None,
    partition_mappings: Mapping[str, PartitionMapping] | None = None,
    backfill_policy: str | None = None,
    pool: str | None = None,
) -> Callable[[Callable[P, R]], MultiAsset[P, R]]:
    """Declare several assets computed by one function.

    The function returns a dict keyed by output name (values may be ``hw.Output``),
    or a tuple in the order of ``outs``. All outputs are computed together.
    """

    def build(func: Callable[P, R]) -> MultiAsset[P, R]:
        func = callable_of(func, "@hw.multi_asset")
        site = definition_site(func)
        op_name = check_key_part(name or func.__name__, where="@multi_asset name")
        owner = f"multi-asset '{op_name}'"
        if not isinstance(outs, Mapping) or not outs:
            raise DefinitionError(f"{owner} ({site}): outs= must name at least one output, e.g. outs={{'a': None}}")
        prefix = key_prefix_parts(key_prefix, owner)
        out_keys: list[tuple[str, AssetKey]] = []
        for out_name, out in outs.items():
            check_key_part(out_name, where=f"{owner} outs")
            declared = out or AssetOut()
            out_key = _as_key(declared.key, "key", owner) if declared.key is not None else AssetKey(*prefix, out_name)
            out_keys.append((out_name, out_key))
        params = classify_params(func, ins=_ins(ins, owner), owner=owner)
        op = Op(
            name=op_name,
            fn=func,
            params=params,
            outs=tuple(out_keys),
            site=site,
            multi=True,
            retry=retry_of(retry, owner),
            pool=pool_name(pool, owner),
        )
        shared_deps = _deps(deps, owner)
        parts, mappings, policy = check_partitioning(
            partitions, partition_mappings, backfill_policy, params, shared_deps, f"{owner} ({site})"
        )
        specs = []
        for out_name, out_key in out_keys:
            out = outs[out_name] or AssetOut()
            specs.append(
                AssetSpec[P, R](
                    key=out_key,
                    op=op,
                    group=group_name(out.group or group, owner),
                    description=out.description or description_of(func, None),
                    tags={**str_mapping(tags, "tags", owner), **str_mapping(out.tags, "tags", owner)},
                    owners=str_seq(out.owners if out.owners is not None else owners, "owners", owner),
                    kinds=frozenset(str_seq(out.kinds if out.kinds is not None else kinds, "kinds", owner)),
                    metadata=dict(out.metadata or {}),
                    code_version=code_version_of(out.code_version or code_version, owner),
                    deps=shared_deps,
                    io_manager=out.io_manager or io_manager or DEFAULT_IO_MANAGER,
                    site=site,
                    partitions=parts,
                    partition_mappings=mappings,
                    backfill_policy=policy,
                )
            )
        return MultiAsset(op=op, specs=tuple(specs))

    return build


def SourceAsset(
    key: CoercibleToKey,
    *,
    observe: Callable[..., Any] | None = None,
    observe_interval: timedelta | None = None,
    description: str | None = None,
    group: str | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Iterable[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    io_manager: str | None = None,
) -> AssetSpec[..., Any]:
    """Declare data made outside Headwater; ``observe`` may report its data version.

    With ``observe_interval``, the daemon calls ``observe`` that often (and retries a failed
    observation at its next tick).
    """
    asset_key = _as_key(key, "key", "SourceAsset")
    owner = f"source asset '{asset_key}'"
    if observe is not None:
        callable_of(observe, "SourceAsset(observe=...)")
    if observe_interval is not None:
        if not isinstance(observe_interval, timedelta) or observe_interval <= timedelta(0):
            raise DefinitionError(
                f"{owner}: observe_interval= takes a positive timedelta such as timedelta(minutes=5), "
                f"got {observe_interval!r}"
            )
        if observe is None:
            raise DefinitionError(
                f"{owner}: observe_interval= needs observe=fn, the function the daemon calls for the data version"
            )
    return AssetSpec(
        key=asset_key,
        op=None,
        group=group_name(group, owner),
        description=description,
        tags=str_mapping(tags, "tags", owner),
        owners=str_seq(owners, "owners", owner),
        kinds=frozenset(str_seq(kinds, "kinds", owner)),
        metadata=dict(metadata or {}),
        io_manager=io_manager or DEFAULT_IO_MANAGER,
        is_source=True,
        observe=observe,
        observe_interval=observe_interval,
        site=definition_site(observe) if observe is not None else "",
    )
