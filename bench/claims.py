"""Claim throughput: queued runs claimed per second by 4 competing processes, and how many were
claimed twice (must be 0).

Each process walks the same 1,000 queued runs and tries to claim every one (the run driver's
claim: one conditional update queued -> started with the RUN_STARTED event), so every run is
contended by all four. Prints JSON for SQLite and, when a URL is given, PostgreSQL.

Run: ``python bench/claims.py [postgresql+psycopg://...]``.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

RUNS = 1_000
PROCESSES = 4


def _claim_all(url: str, run_ids: list[str], start: float) -> tuple[list[str], float]:
    from headwater.errors import RunNotActive
    from headwater.events import Event, EventType
    from headwater.storage import Storage
    from headwater.storage.run_queue import RunQueueStore

    storage = Storage.open(url)
    queue = RunQueueStore(storage)
    while time.time() < start:  # all four begin together
        time.sleep(0.001)
    won = []
    worker = f"bench:{multiprocessing.current_process().pid}"
    for run_id in run_ids:
        try:
            queue.claim(Event(run_id=run_id, type=EventType.RUN_STARTED), worker)
        except RunNotActive:
            continue
        won.append(run_id)
    finished = time.time()
    storage.close()
    return won, finished


def measure(url: str) -> dict[str, float | int]:
    """Queue RUNS runs at ``url``, let PROCESSES processes race for them; the figures."""
    from headwater.events import RunRecord
    from headwater.storage import Storage

    storage = Storage.open(url)
    run_ids = [f"claim-{i:05d}" for i in range(RUNS)]
    for run_id in run_ids:
        storage.add_run(RunRecord(run_id=run_id))
    start = time.time() + 3.0  # time for the processes to start and open the event log
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        results = pool.starmap(_claim_all, [(url, run_ids, start)] * PROCESSES)
    seconds = max(finished for _, finished in results) - start
    claimed = [run_id for won, _ in results for run_id in won]
    started = sum(
        1 for run_id in run_ids for record in storage.get_events(run_id) if record.event.type.value == "run_started"
    )
    storage.close()
    return {
        "runs": RUNS,
        "processes": PROCESSES,
        "claims_per_s": round(RUNS / seconds, 1),
        "claimed": len(claimed),
        "claimed_twice": len(claimed) - len(set(claimed)),
        "run_started_events": started,
    }


def main() -> None:
    """Print the figures as JSON."""
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="headwater-bench-claims-") as name:
        figures["sqlite"] = measure(f"sqlite:///{Path(name) / 'events.db'}")
    if len(sys.argv) > 1:
        figures["postgresql"] = measure(sys.argv[1])
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
