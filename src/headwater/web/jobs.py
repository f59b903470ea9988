"""The JSON shape of ``hw.Job``s, shared by ``GET /api/jobs`` and ``headwater jobs --json``: each job's
selection, tags, how many assets it selects now, and its latest run (found by the ``headwater/job`` tag).

Reads definitions and the event log only; launching a job is ``api_launch``'s.
"""

from __future__ import annotations

from typing import Any

from headwater.definitions import Definitions
from headwater.events import RunRecord
from headwater.instance.core import InstanceCore
from headwater.storage import Storage
from headwater.tags import JOB, tag_value
from headwater.web.serialize import run_json

SCANNED = 5000
"""How many of the newest runs are searched for each job's latest run (the event log has no tag index)."""
_PAGE = 500


def latest_job_runs(storage: Storage, names: set[str]) -> dict[str, RunRecord]:
    """The newest run tagged ``headwater/job=NAME`` for each of ``names``, among the newest ``SCANNED`` runs."""
    found: dict[str, RunRecord] = {}
    for offset in range(0, SCANNED, _PAGE):
        if not names - found.keys():
            break
        page = storage.list_runs(limit=_PAGE, offset=offset)
        for run in page:
            name = tag_value(run.tags, JOB)
            if name in names and name not in found:
                found[name] = run
        if len(page) < _PAGE:
            break
    return found


def jobs_json(instance: InstanceCore, defs: Definitions) -> list[dict[str, Any]]:
    """Every job of ``defs``, sorted by name (``Definitions`` checked their selections when loaded)."""
    latest = latest_job_runs(instance.storage, {job.name for job in defs.jobs})
    rows = []
    for job in sorted(defs.jobs, key=lambda j: j.name):
        run = latest.get(job.name)
        rows.append(
            {
                "name": job.name,
                "description": job.description,
                "select": job.select,
                "tags": dict(job.tags),
                "has_config": bool(job.config),
                "assets": len(instance.select(defs, job.select)),
                "latest_run": run_json(run) if run is not None else None,
            }
        )
    return rows
