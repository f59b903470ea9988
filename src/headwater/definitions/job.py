"""``hw.Job``: a named selection with run tags and config, that schedules and sensors start by name
(``job="nightly"``) and ``headwater materialize --job nightly`` runs. Runs started as a job carry
the ``headwater/job`` tag, so run pages show it.

Pure data, checked when declared; ``Definitions`` checks that every ``job=`` names a declared job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from headwater.definitions.schedule import check_name, check_tags
from headwater.errors import DefinitionError, did_you_mean
from headwater.tags import JOB


@dataclass(frozen=True)
class Job:
    """A named selection of assets (``select``), with ``tags`` and ``config`` for each of its runs."""

    name: str
    _: KW_ONLY
    select: str = "*"
    tags: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, Mapping[str, Any]] | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "hw.Job")
        where = f"job '{self.name}'"
        if not isinstance(self.select, str) or not self.select.strip():
            raise DefinitionError(f"{where}: select= must be a selection string such as 'group:finance' or '*'")
        if self.config is not None and not isinstance(self.config, Mapping):
            raise DefinitionError(f"{where}: config= must map asset keys to settings, e.g. {{'model': {{'k': 1}}}}")
        object.__setattr__(self, "tags", check_tags(self.tags, where))

    def run_tags(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The tags of a run of this job: its own, then ``extra``, then ``headwater/job``."""
        return {**self.tags, **(extra or {}), JOB: self.name}


def check_jobs(jobs: Sequence[Any], instigators: Sequence[Any]) -> None:
    """``Definitions(jobs=...)``: jobs with unique names, and every ``job=`` of a schedule or sensor
    naming one of them."""
    found: dict[str, Job] = {}
    for index, item in enumerate(jobs):
        if not isinstance(item, Job):
            raise DefinitionError(
                f"Definitions(jobs=...) item {index} is {type(item).__name__} {item!r}: pass hw.Job('name', select=...)"
            )
        if item.name in found:
            raise DefinitionError(f"Definitions: two jobs are named '{item.name}'; give each a unique name")
        found[item.name] = item
    for instigator in instigators:
        name = getattr(instigator, "job", None)
        if name is not None:
            kind = "schedule" if hasattr(instigator, "cron") else "sensor"
            find_job(found, name, where=f"{kind} '{instigator.name}'")


def find_job(jobs: Sequence[Job] | Mapping[str, Job], name: str, *, where: str) -> Job:
    """The job ``name`` of ``jobs`` (``Definitions.jobs``); DefinitionError with did-you-mean and the
    known names otherwise."""
    if not isinstance(jobs, Mapping):
        jobs = {j.name: j for j in jobs}
    job = jobs.get(name)
    if job is None:
        known = ", ".join(sorted(jobs)) or "none"
        raise DefinitionError(
            f"{where}: job={name!r} is not a job of these definitions{did_you_mean(name, jobs)}; known jobs: "
            f"{known}; declare it with Definitions(jobs=[hw.Job({name!r}, select=...)])"
        )
    return job
