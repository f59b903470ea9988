"""What can be switched on and off: each schedule, each sensor, and ``asset_automation`` (every
asset condition at once)."""

from __future__ import annotations

from headwater.automation.daemon import CONDITIONS
from headwater.definitions import Definitions
from headwater.errors import HeadwaterError, did_you_mean


class UnknownInstigator(HeadwaterError):
    """No schedule or sensor has this name."""


def instigator_kind(defs: Definitions, name: str, *, listed_by: str) -> str:
    """``schedule``, ``sensor`` or ``asset_automation`` for ``name``; UnknownInstigator naming the known ones."""
    kinds = {s.name: "schedule" for s in defs.schedules} | {s.name: "sensor" for s in defs.sensors}
    kinds[CONDITIONS] = CONDITIONS
    if name not in kinds:
        raise UnknownInstigator(
            f"no schedule or sensor named '{name}' in these definitions{did_you_mean(name, kinds)}; "
            f"known: {', '.join(sorted(kinds))} ({listed_by})"
        )
    return kinds[name]
