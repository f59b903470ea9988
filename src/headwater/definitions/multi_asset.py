"""``@hw.multi_asset``: several assets computed by one function, and ``hw.AssetOut`` for the
attributes of each output.

Builds frozen ``MultiAsset`` objects and validates what was declared; never runs user code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from headwater.definitions.asset_spec import DEFAULT_IO_MANAGER, AssetSpec, Op, P, R, as_key, deps_of, ins_of
from headwater.definitions.declared import (
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
from headwater.definitions.params import classify_params, definition_site
from headwater.definitions.partitions import PartitionMapping, PartitionsDefinition
from headwater.definitions.partitions.declare import check_partitioning
from headwater.definitions.publish import publish_mode
from headwater.definitions.retry import Retry
from headwater.errors import DefinitionError
from headwater.keys import AssetKey, CoercibleToKey, check_key_part


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
    memoize: bool | None = None,
    publish: str | None = None,
) -> Callable[[Callable[P, R]], MultiAsset[P, R]]:
    """Declare several assets computed by one function.

    The function returns a dict keyed by output name (values may be ``hw.Output``),
    or a tuple in the order of ``outs``. All outputs are computed together. ``memoize=`` and
    ``publish=`` work as on ``@hw.asset``, for all outputs at once (the step is reused only when
    every output stands; its values are published together once their checks pass).
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
            out_key = as_key(declared.key, "key", owner) if declared.key is not None else AssetKey(*prefix, out_name)
            out_keys.append((out_name, out_key))
        params = classify_params(func, ins=ins_of(ins, owner), owner=owner)
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
        shared_deps = deps_of(deps, owner)
        parts, mappings, policy = check_partitioning(
            partitions, partition_mappings, backfill_policy, params, shared_deps, f"{owner} ({site})"
        )
        memo = memoize_of(memoize, f"{owner} ({site})")
        derived = source_version(func, owner, site) if memo and code_version is None else None
        held = publish_mode(publish, f"{owner} ({site})")
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
                    code_version=code_version_of(out.code_version or code_version, owner) or derived,
                    deps=shared_deps,
                    io_manager=out.io_manager or io_manager or DEFAULT_IO_MANAGER,
                    site=site,
                    partitions=parts,
                    partition_mappings=mappings,
                    backfill_policy=policy,
                    memoize=memo,
                    publish=held,
                )
            )
        return MultiAsset(op=op, specs=tuple(specs))

    return build
