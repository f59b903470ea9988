"""``@hw.asset`` and ``hw.SourceAsset``: declaring assets.

Builds frozen ``AssetSpec`` objects and validates what was declared; never runs
user code and never touches storage. ``@hw.multi_asset`` lives in ``multi_asset``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, overload

from headwater.definitions.asset_spec import DEFAULT_IO_MANAGER, AssetSpec, Op, P, R, as_key, deps_of, ins_of
from headwater.definitions.conditions import AutomationCondition
from headwater.definitions.declared import (
    automation_of,
    callable_of,
    code_version_of,
    description_of,
    group_name,
    key_prefix_parts,
    keywords_checked,
    memoize_of,
    pool_name,
    retry_of,
    source_version,
    str_mapping,
    str_seq,
)
from headwater.definitions.freshness import Freshness, check_freshness
from headwater.definitions.multi_asset import AssetOut, MultiAsset, multi_asset
from headwater.definitions.params import classify_params, definition_site
from headwater.definitions.partitions import PartitionMapping, PartitionsDefinition
from headwater.definitions.partitions.declare import check_partitioning
from headwater.definitions.publish import publish_mode
from headwater.definitions.retry import Retry
from headwater.errors import DefinitionError
from headwater.keys import AssetKey, CoercibleToKey, check_key_part

# AssetSpec, Op and the multi-asset names moved to their own modules and are still imported from here.
__all__ = ["DEFAULT_IO_MANAGER", "AssetOut", "AssetSpec", "MultiAsset", "Op", "SourceAsset", "asset", "multi_asset"]


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
    memoize: bool | None = None,
    publish: str | None = None,
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
    memoize: bool | None = None,
    publish: str | None = None,
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
    ``memoize=True`` lets a run reuse the stored value instead of running the function when its
    ``code_version`` (without one: a hash of the function's source) and its inputs' data versions
    are unchanged.
    ``publish="after_checks"`` stages a new value and publishes it only when its blocking checks pass.
    """

    def build(func: Callable[P, R]) -> AssetSpec[P, R]:
        func = callable_of(func, "@hw.asset")
        site = definition_site(func)
        label = f"@asset {getattr(func, '__name__', func)!r}"
        if key is not None:
            if name is not None or key_prefix is not None:
                raise DefinitionError(f"{label} ({site}): give either key= or name=/key_prefix=, not both")
            asset_key = as_key(key, "key", label)
        else:
            base = name if name is not None else getattr(func, "__name__", "")
            if base == "<lambda>":
                raise DefinitionError(f"@hw.asset on a lambda ({site}) needs a name: use @hw.asset(name='...')")
            check_key_part(base, where=f"{label} name")
            asset_key = AssetKey.parse("/".join((*key_prefix_parts(key_prefix, label), base)))
        owner = f"asset '{asset_key}'"
        params = classify_params(func, ins=ins_of(ins, owner), owner=owner)
        op = Op(
            name=asset_key.to_string(),
            fn=func,
            params=params,
            outs=(("result", asset_key),),
            site=site,
            retry=retry_of(retry, owner),
            pool=pool_name(pool, owner),
        )
        dep_keys = deps_of(deps, owner)
        parts, mappings, policy = check_partitioning(
            partitions, partition_mappings, backfill_policy, params, dep_keys, f"{owner} ({site})"
        )
        memo = memoize_of(memoize, f"{owner} ({site})")
        version = code_version_of(code_version, owner) or (source_version(func, owner, site) if memo else None)
        return AssetSpec(
            key=asset_key,
            op=op,
            group=group_name(group, owner),
            description=description_of(func, description),
            tags=str_mapping(tags, "tags", owner),
            owners=str_seq(owners, "owners", owner),
            kinds=frozenset(str_seq(kinds, "kinds", owner)),
            metadata=dict(metadata or {}),
            code_version=version,
            deps=dep_keys,
            io_manager=io_manager or DEFAULT_IO_MANAGER,
            automation=automation_of(automation, owner),
            site=site,
            partitions=parts,
            partition_mappings=mappings,
            backfill_policy=policy,
            freshness=check_freshness(freshness, owner),
            memoize=memo,
            publish=publish_mode(publish, f"{owner} ({site})"),
        )

    if fn is not None:
        return build(fn)
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
    asset_key = as_key(key, "key", "SourceAsset")
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
