"""The run tags Headwater reserves, all under the ``headwater/`` namespace, and how they are read.

Runs written before the namespace was settled carry the same tags spelled ``headwater.name``;
``tag_value`` and ``find_tag`` read either spelling, so old runs keep their meaning. Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

NAMESPACE: Final = "headwater/"
"""The prefix of every tag Headwater sets; user tags should not start with it."""
OLD_NAMESPACE: Final = "headwater."
"""The prefix reserved tags had before; still read."""

AUTOMATION: Final = "headwater/automation"
"""What the daemon's own runs come from: ``conditions`` or ``observe``."""
BACKFILL: Final = "headwater/backfill"
"""The id of the backfill a run belongs to."""
FILE: Final = "headwater/file"
"""The file a file sensor's run was requested for."""
INSTIGATOR: Final = "headwater/instigator"
JOB: Final = "headwater/job"
"""The ``hw.Job`` a run was started as (by a schedule, a sensor or ``headwater materialize --job``)."""
KIND: Final = "headwater/kind"
"""A run that is not a materialization: ``observe``, ``report``, ``checks``."""
LAUNCH: Final = "headwater/launch"
"""The launch id the UI gave a run it queued (its own tag: not inherited by re-executions)."""
MAX_RETRIES: Final = "headwater/max_retries"
"""How many times the daemon retries a failed run (overrides the instance's setting)."""
PARENT_RUN: Final = "headwater/parent_run"
"""The run a re-execution re-runs."""
PRIORITY: Final = "headwater/priority"
"""A queued run's priority: a whole number, higher runs first (the default ``priority_tag``)."""
RETRY_NUMBER: Final = "headwater/retry_number"
ROOT_RUN: Final = "headwater/root_run"
"""The first run of a chain of re-executions."""
SCHEDULE: Final = "headwater/schedule"
SENSOR: Final = "headwater/sensor"
TICK: Final = "headwater/tick"
TRIGGER_RUN: Final = "headwater/trigger_run"
"""The run whose event or end made a sensor request this run."""
USER: Final = "headwater/user"
"""The signed-in user who launched a run from the web UI or API."""


def spellings(name: str) -> tuple[str, ...]:
    """``name`` and, for a reserved tag, its other spelling (``headwater/x`` and ``headwater.x``)."""
    for prefix, other in ((NAMESPACE, OLD_NAMESPACE), (OLD_NAMESPACE, NAMESPACE)):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name, other + name[len(prefix) :]
    return (name,)


def find_tag(tags: Mapping[str, str], name: str) -> str | None:
    """The spelling of ``name`` that ``tags`` carries (the new one first), or None."""
    return next((spelled for spelled in spellings(name) if spelled in tags), None)


def tag_value(tags: Mapping[str, str], name: str) -> str | None:
    """The value of tag ``name`` in ``tags``, under either spelling of a reserved tag, or None."""
    found = find_tag(tags, name)
    return tags[found] if found is not None else None


def is_reserved(name: str) -> bool:
    """Whether ``name`` is a tag Headwater sets (in either spelling)."""
    return name.startswith((NAMESPACE, OLD_NAMESPACE))


def without(tags: Mapping[str, str], *names: str) -> dict[str, str]:
    """``tags`` without the tags ``names``, in either spelling."""
    dropped = {spelled for name in names for spelled in spellings(name)}
    return {k: v for k, v in tags.items() if k not in dropped}


def launched_by(tags: Mapping[str, str]) -> str | None:
    """Who or what launched a run, from its tags: ``user:NAME``, ``schedule:NAME``, ``sensor:NAME``,
    ``backfill:ID``, ``automation:conditions`` (or ``observe``), or None (a command or script)."""
    for name, kind in ((USER, "user"), (SCHEDULE, "schedule"), (SENSOR, "sensor"), (BACKFILL, "backfill")):
        value = tag_value(tags, name)
        if value is not None:
            return f"{kind}:{value}"
    value = tag_value(tags, AUTOMATION)
    return f"automation:{value}" if value is not None else None
