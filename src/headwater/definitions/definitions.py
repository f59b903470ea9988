"""``hw.Definitions``: everything a project declares, collected in one object.

Checks the shape of what was passed (types, duplicate names); the lineage graph
is built and validated by ``headwater.graph``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from headwater.definitions.alert import Alert, check_alerts
from headwater.definitions.asset import AssetSpec, MultiAsset
from headwater.definitions.check import CheckSpec
from headwater.definitions.executors import DaskExecutor, ExecutorSpec, InProcessExecutor, MultiprocessExecutor
from headwater.definitions.job import Job, check_jobs
from headwater.definitions.publish import PublishGroup, check_publish_groups, publish_mode
from headwater.definitions.sensor import check_instigators
from headwater.errors import DefinitionError


@dataclass(frozen=True, kw_only=True)
class CodeLocation:
    """Where definitions were loaded from, so worker processes can load them again."""

    module: str | None = None
    file: str | None = None
    attribute: str = "defs"
    working_dir: str | None = None

    def describe(self) -> str:
        """``-m pkg.mod`` or ``-f path.py`` with the attribute."""
        target = f"-m {self.module}" if self.module else f"-f {self.file}"
        return f"{target} (attribute '{self.attribute}')"


def _flatten_assets(assets: Iterable[Any]) -> tuple[AssetSpec[..., Any], ...]:
    specs: list[AssetSpec[..., Any]] = []
    for index, item in enumerate(assets):
        if isinstance(item, AssetSpec):
            specs.append(item)
        elif isinstance(item, MultiAsset):
            specs.extend(item.specs)
        elif callable(item):
            name = getattr(item, "__name__", repr(item))
            raise DefinitionError(
                f"Definitions(assets=...) item {index} is the plain function '{name}': decorate it with @hw.asset"
            )
        else:
            raise DefinitionError(
                f"Definitions(assets=...) item {index} is {type(item).__name__} {item!r}, "
                "not an asset: pass functions decorated with @hw.asset, @hw.multi_asset or hw.SourceAsset(...)"
            )
    return tuple(specs)


@dataclass(frozen=True, kw_only=True)
class Definitions:
    """The assets, checks, schedules, sensors, jobs, resources, IO managers and executor of a project."""

    assets: Sequence[Any] = ()
    checks: Sequence[CheckSpec] = ()
    schedules: Sequence[Any] = ()
    sensors: Sequence[Any] = ()
    jobs: Sequence[Job] = ()
    alerts: Sequence[Alert] = ()
    """Who the daemon tells when runs fail, checks fail, assets are overdue... (``hw.Alert``)."""
    resources: Mapping[str, Any] = field(default_factory=dict)
    io_managers: Mapping[str, Any] = field(default_factory=dict)
    executor: ExecutorSpec = field(default_factory=InProcessExecutor)
    location: CodeLocation | None = None
    memoize: bool = False
    """Whether runs may reuse the stored values of assets with a declared code version when nothing
    changed (an asset's own ``memoize=`` wins)."""
    publish: str = "immediately"
    """When new values become visible: ``"immediately"``, or ``"after_checks"`` (held back until their
    blocking checks pass); an asset's own ``publish=`` wins."""
    publish_groups: Sequence[PublishGroup] = ()
    """Assets published together or not at all (``hw.PublishGroup([...])``)."""
    asset_specs: tuple[AssetSpec[..., Any], ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "assets", tuple(self.assets))
        object.__setattr__(self, "asset_specs", _flatten_assets(self.assets))
        checks = tuple(self.checks)
        for index, item in enumerate(checks):
            if not isinstance(item, CheckSpec):
                raise DefinitionError(
                    f"Definitions(checks=...) item {index} is {type(item).__name__}, "
                    "not a check: decorate the function with @hw.check(asset=...)"
                )
        object.__setattr__(self, "checks", checks)
        object.__setattr__(self, "schedules", tuple(self.schedules))
        object.__setattr__(self, "sensors", tuple(self.sensors))
        check_instigators(self.schedules, self.sensors)
        object.__setattr__(self, "jobs", tuple(self.jobs))
        check_jobs(self.jobs, (*self.schedules, *self.sensors))
        object.__setattr__(self, "alerts", check_alerts(self.alerts))
        if not isinstance(self.resources, Mapping):
            raise DefinitionError("Definitions(resources=...) must be a dict of name -> resource")
        for name in self.resources:
            if not isinstance(name, str) or not name.isidentifier():
                raise DefinitionError(
                    f"resource name {name!r} must be a Python identifier: it is matched to parameter names"
                )
        if not isinstance(self.executor, (InProcessExecutor, MultiprocessExecutor, DaskExecutor)):
            raise DefinitionError(
                f"Definitions(executor=...) got {self.executor!r}: "
                "use hw.InProcessExecutor(), hw.MultiprocessExecutor(max_workers=N) or hw.DaskExecutor(address=...)"
            )
        if not isinstance(self.memoize, bool):
            raise DefinitionError(f"Definitions(memoize=...) takes True or False, got {self.memoize!r}")
        if publish_mode(self.publish, "Definitions(publish=...)") is None:
            raise DefinitionError("Definitions(publish=None): give 'immediately' (the default) or 'after_checks'")
        object.__setattr__(self, "publish_groups", check_publish_groups(self.publish_groups))
        object.__setattr__(self, "resources", dict(self.resources))
        object.__setattr__(self, "io_managers", dict(self.io_managers))

    def resource_names(self) -> list[str]:
        """Names of declared resources, sorted."""
        return sorted(self.resources)
