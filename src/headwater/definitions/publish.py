"""When a new value becomes visible: at once (``publish="immediately"``, the default) or only after
its checks pass (``publish="after_checks"``: write, audit, publish), and ``hw.PublishGroup``, assets
published together or not at all. Pure declarations; execution stages and publishes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from headwater.errors import DefinitionError
from headwater.keys import AssetKey, to_key

IMMEDIATELY: Final = "immediately"
AFTER_CHECKS: Final = "after_checks"
PUBLISH_MODES: Final = (IMMEDIATELY, AFTER_CHECKS)


def publish_mode(value: Any, where: str) -> str | None:
    """``publish=`` checked: one of ``PUBLISH_MODES`` (None: the Definitions' default)."""
    if value is None or value in PUBLISH_MODES:
        return value  # type: ignore[no-any-return]
    raise DefinitionError(
        f"{where}: publish={value!r} is not a publish mode: use publish='after_checks' (hold the new value "
        "back until its blocking checks pass) or publish='immediately' (the default)"
    )


@dataclass(frozen=True, init=False)
class PublishGroup:
    """Assets published together: each value is held back until every asset of the group that the
    run makes has passed its checks, then all are published at once (or none, if one failed).

    ``hw.PublishGroup(["fact_sales", "dim_customer"], name="sales_mart")``; give the groups to
    ``Definitions(publish_groups=[...])``. Members publish after their checks whatever their own
    ``publish=`` says.
    """

    keys: tuple[AssetKey, ...]
    name: str

    def __init__(self, assets: Iterable[Any], *, name: str | None = None) -> None:
        if isinstance(assets, (str, AssetKey)):
            raise DefinitionError(
                f"hw.PublishGroup({assets!r}): give a list of assets, e.g. hw.PublishGroup(['fact', 'dim'])"
            )
        keys: list[AssetKey] = []
        for item in assets:
            key = getattr(item, "key", item)
            found = to_key(key, where="hw.PublishGroup") if not isinstance(key, AssetKey) else key
            if found in keys:
                raise DefinitionError(f"hw.PublishGroup names '{found}' twice: list each asset once")
            keys.append(found)
        if len(keys) < 2:
            raise DefinitionError(
                f"hw.PublishGroup({[str(k) for k in keys]}) needs at least two assets: one asset that waits "
                "for its checks is @hw.asset(publish='after_checks')"
            )
        if name is not None and (not isinstance(name, str) or not name):
            raise DefinitionError(f"hw.PublishGroup(name={name!r}): the name must be a non-empty string")
        object.__setattr__(self, "keys", tuple(keys))
        object.__setattr__(self, "name", name or "+".join(k.to_string() for k in keys))


def check_publish_groups(groups: Any) -> tuple[PublishGroup, ...]:
    """``Definitions(publish_groups=...)`` checked: PublishGroups, no asset in two of them."""
    if isinstance(groups, PublishGroup) or not isinstance(groups, Iterable):
        raise DefinitionError("Definitions(publish_groups=...) takes a list of hw.PublishGroup([...])")
    out = tuple(groups)
    seen: dict[AssetKey, str] = {}
    for index, group in enumerate(out):
        if not isinstance(group, PublishGroup):
            raise DefinitionError(
                f"Definitions(publish_groups=...) item {index} is {type(group).__name__}, not a hw.PublishGroup([...])"
            )
        for key in group.keys:
            if key in seen:
                raise DefinitionError(
                    f"asset '{key}' is in two publish groups ('{seen[key]}' and '{group.name}'): "
                    "an asset is published with one group; merge the groups or take it out of one"
                )
            seen[key] = group.name
    return out
