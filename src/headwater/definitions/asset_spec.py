"""``Op`` and ``AssetSpec``, the frozen objects that ``@hw.asset``, ``@hw.multi_asset`` and
``hw.SourceAsset`` build, and the reading of the asset keys their arguments name.

Never runs user code and never touches storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, Generic, ParamSpec, TypeVar

from headwater.definitions.conditions import AutomationCondition
from headwater.definitions.declared import DEFAULT_GROUP
from headwater.definitions.freshness import Freshness
from headwater.definitions.params import Param, ParamKind
from headwater.definitions.partitions import PartitionMapping, PartitionsDefinition
from headwater.definitions.retry import Retry
from headwater.errors import DefinitionError
from headwater.keys import AssetKey, to_key

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
    memoize: bool | None = None
    """Whether a run may reuse its stored value when code version and inputs are unchanged (None: the
    Definitions' setting)."""
    publish: str | None = None
    """``"after_checks"``: a new value is held back until its blocking checks pass; ``"immediately"``:
    it is visible at once (None: the Definitions' setting)."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self.op is None:
            raise DefinitionError(f"source asset '{self.key}' has no function to call")
        result: R = self.op.fn(*args, **kwargs)
        return result


def as_key(value: Any, what: str, where: str) -> AssetKey:
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


def deps_of(deps: Iterable[Any] | None, where: str) -> tuple[AssetKey, ...]:
    if deps is None:
        return ()
    if isinstance(deps, (str, AssetKey)):
        raise DefinitionError(f"{where}: deps must be a list, e.g. deps=['raw/orders']")
    return tuple(as_key(d, "deps", where) for d in deps)


def ins_of(ins: Mapping[str, Any] | None, where: str) -> dict[str, AssetKey]:
    if ins is None:
        return {}
    if not isinstance(ins, Mapping):
        raise DefinitionError(f"{where}: ins must map parameter names to asset keys, e.g. ins={{'o': 'raw/orders'}}")
    return {name: as_key(value, "ins", where) for name, value in ins.items()}
