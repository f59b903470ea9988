"""The daemon: each tick takes the lease, marks dead runs failed, ticks schedules and sensors,
evaluates asset conditions, and launches queued runs under the limits.

Only the daemon holding the lease acts, so two daemons on one database never both launch. Ticks
are idempotent (keyed by schedule tick time, sensor run keys and derived run ids), so a daemon
restarted in the middle of a tick queues nothing twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from headwater.automation import monitor
from headwater.automation.alerting import Alerting
from headwater.automation.conditions import AssetEvaluation, Evaluator, Facts, condition_runs
from headwater.automation.config import DAEMON_LEASE, AutomationConfig
from headwater.automation.launcher import Launcher
from headwater.automation.observation import observe_due
from headwater.automation.requests import location_json, run_queuer
from headwater.automation.retention import prune
from headwater.automation.retries import retry_failed_runs
from headwater.automation.schedules import tick_schedule
from headwater.automation.sensors import alert_sensors, is_due, tick_sensor
from headwater.automation.switches import CONDITIONS, is_on
from headwater.definitions import Definitions
from headwater.gcpause import gc_paused
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore, Evaluation, InstigatorState
from headwater.storage.retention import PruneResult
from headwater.storage.run_queue import RunQueueStore
from headwater.tags import AUTOMATION

_EXTRA_POLL = 1.0
"""Seconds between rounds of extra work between ticks, so dependent backfill runs follow promptly."""
LEASE = DAEMON_LEASE
log = logging.getLogger("headwater.daemon")


@dataclass(kw_only=True)
class TickSummary:
    """What one daemon tick did."""

    acted: bool
    lease_owner: str | None = None
    failed_runs: list[str] = field(default_factory=list)
    ticks: int = 0
    requested_assets: int = 0
    evaluated_assets: int = 0
    queued_runs: list[str] = field(default_factory=list)
    launched_runs: list[str] = field(default_factory=list)
    retried_runs: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    observed: dict[str, Any] | None = None
    alerts: dict[str, Any] | None = None
    pruned: dict[str, int] | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (for ``headwater daemon --once --json``)."""
        return dict(self.__dict__)


class Daemon:
    """Runs automation for one project's definitions against one event log."""

    def __init__(
        self,
        storage: Storage,
        defs: Definitions,
        *,
        config: AutomationConfig | None = None,
        env: Mapping[str, str] | None = None,
        log_dir: str | None = None,
        owner: str | None = None,
        launch: bool = True,
        extra_work: Mapping[str, Callable[[float], Any]] | None = None,
    ) -> None:
        self.storage = storage
        self.extra_work = dict(extra_work or {})
        """Name -> work done each tick by the lease holder, after launching (e.g. advancing queued backfills)."""
        self.defs = defs
        self.graph = AssetGraph.from_definitions(defs)
        self.config = config or AutomationConfig()
        self.store = AutomationStore(storage)
        self.queue = RunQueueStore(storage)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.launcher = Launcher(self.queue, self.config.runs, env=env, log_dir=log_dir) if launch else None
        self.sensors = [*defs.sensors, *alert_sensors(self.config.alerts)]
        self._evaluator = Evaluator(self.graph)
        self._has_conditions = bool(self._evaluator.program_of)
        alerts = self.config.alerts
        self.alerting = Alerting(
            storage,
            self.graph,
            [*defs.alerts, *alerts.alerts()],
            targets=alerts.declared_targets(),
            base_url=alerts.base_url,
            evaluator=self._evaluator,
        )
        # The previous evaluation per asset (node labels, values): read from storage once, then kept here.
        self._previous: dict[AssetKey, tuple[Any, Any]] | None = None
        self._pruned_at = float("-inf")
        self._woken_seen: float | None = None
        """When the last wake-up this daemon acted on was asked for (see ``_woken``)."""

    # -- one tick ----------------------------------------------------------------------------------

    def tick(self, now: float | None = None) -> TickSummary:
        """Do one round of automation (if this daemon holds the lease)."""
        now = time.time() if now is None else now
        daemon = self.config.daemon
        if not self.queue.acquire_lease(LEASE, self.owner, ttl=daemon.lease_ttl, now=now):
            holder = self.queue.lease_owner(LEASE)
            return TickSummary(acted=False, lease_owner=holder[0] if holder else None)
        summary = TickSummary(acted=True, lease_owner=self.owner)
        timer = _Timer(summary.seconds)
        begun = time.perf_counter()
        with timer("monitor"):
            if self.launcher is not None:
                summary.failed_runs += monitor.fail_exited(self.queue, self.launcher.reap(), self.graph)
            summary.failed_runs += monitor.dead_runs(
                self.queue,
                now=now,
                heartbeat_timeout=daemon.heartbeat_timeout,
                start_timeout=self.config.runs.start_timeout,
                graph=self.graph,
            )
        with timer("retries"):
            retried = retry_failed_runs(
                self.storage,
                self.graph,
                self.defs.location,
                default_max_retries=self.config.runs.max_retries,
                priority_tag=self.config.runs.priority_tag,
            )
            summary.retried_runs = [run.run_id for run in retried]
        states = self.store.instigator_states()
        with timer("schedules"):
            for schedule in self.defs.schedules:
                if self._enabled(schedule.name, schedule.default_status, states):
                    recorded = tick_schedule(
                        self.store,
                        schedule,
                        states.get(schedule.name),
                        now,
                        self._queue_run(summary),
                        grace=2 * daemon.interval,
                        graph=self.graph,
                        jobs=self.defs.jobs,
                    )
                    summary.ticks += len(recorded)
        with timer("sensors"):
            for sensor in self.sensors:
                state = states.get(sensor.name)
                if self._enabled(sensor.name, sensor.default_status, states) and is_due(sensor, state, now):
                    tick_sensor(
                        self.storage,
                        sensor,
                        state,
                        now,
                        self._queue_run(summary),
                        graph=self.graph,
                        jobs=self.defs.jobs,
                        waited=time.perf_counter() - begun,
                    )
                    summary.ticks += 1
        with timer("observe"):  # source assets with observe_interval= that are due (failures: every tick)
            observed = observe_due(self.storage, self.graph, now)
            summary.observed = observed.to_json() if observed is not None else None
        with timer("conditions"), gc_paused():
            if self._has_conditions and self._enabled(CONDITIONS, "running", states):
                self._conditions(now, summary, timer)
        with timer("launch"):
            if self.launcher is not None:
                summary.launched_runs = self.launcher.launch_queued()
        if self.alerting.alerts:
            with timer("alerts"):
                summary.alerts = self.alerting.tick(now, states).to_json()  # alert states change only here
        for name, work in self.extra_work.items():
            with timer(name):
                done = work(now)
                if done:
                    summary.extra[name] = done
        retention = self.config.retention_limits()
        if retention.enabled and now - self._pruned_at >= retention.interval:
            with timer("retention"):
                summary.pruned = self.prune(now).to_json()
            self._pruned_at = now
        return summary

    def prune(self, now: float | None = None) -> PruneResult:
        """Apply ``[retention]``: delete old runs (with their run logs) and ticks, in batches."""
        now = time.time() if now is None else now
        limits = self.config.retention_limits()
        result = prune(self.storage, limits, now)
        log_dir = self.launcher.log_dir if self.launcher is not None else None
        if log_dir is not None:
            for run_id in result.runs:
                (log_dir / f"{run_id}.log").unlink(missing_ok=True)
        return result

    def _enabled(self, name: str, default_status: str, states: Mapping[str, InstigatorState]) -> bool:
        return is_on(states.get(name), default_status)

    def _queue_run(self, summary: TickSummary) -> Callable[..., str]:
        return run_queuer(
            self.queue,
            self.graph,
            self.defs.location,
            priority_tag=self.config.runs.priority_tag,
            queued=summary.queued_runs,
        )

    def _conditions(self, now: float, summary: TickSummary, timer: _Timer) -> None:
        with timer("conditions.load"):
            if self._previous is None:
                states = self.store.asset_automation_states()
                self._previous = {k: (s.detail.get("nodes"), s.detail.get("true")) for k, s in states.items()}
            facts = Facts.load(self.storage, now, self._evaluator.keys_by_name, self._evaluator.graph)
        with timer("conditions.evaluate"):
            results = self._evaluator.evaluate(facts)
        summary.evaluated_assets = len(results)
        requested = [r.key for r in results if r.requested]
        summary.requested_assets = len(requested)
        tick_key = f"conditions:{int(now * 1000)}"
        tick, _ = self.store.start_tick(CONDITIONS, CONDITIONS, tick_key, timestamp=now)
        run_of: dict[AssetKey, str] = {}
        run_ids: list[str] = []
        if requested:
            with timer("conditions.queue"):
                queue_run = self._queue_run(summary)
                for index, (keys, partition) in enumerate(condition_runs(self.graph, results)):
                    run_id = queue_run(
                        run_id_key=tick_key if index == 0 else f"{tick_key}:{index}",
                        keys=keys,
                        partition=partition,
                        tags={AUTOMATION: "conditions"},
                        where="asset automation",
                    )
                    run_ids.append(run_id)
                    for key in keys:
                        run_of.setdefault(key, run_id)
        with timer("conditions.record"):
            self._record(tick.id, now, results, run_of)
        data: dict[str, Any] = {"evaluated": len(results), "requested": [k.to_string() for k in requested[:100]]}
        partitions = {r.key.to_string(): list(r.partitions) for r in results if r.partitions}
        if partitions:
            data["partitions"] = partitions
        self.store.finish_tick(tick.id, status="requested" if run_ids else "skipped", run_ids=run_ids, data=data)
        self.store.save_instigator(CONDITIONS, CONDITIONS, cursor=None, last_tick_at=now)

    def _record(self, tick_id: int, now: float, results: list[AssetEvaluation], run_of: Mapping[AssetKey, str]) -> None:
        """Store the evaluations that changed since each asset's previous one (and every request)."""
        changed = []
        previous = self._previous if self._previous is not None else {}
        for result in results:
            now_seen = (result.detail["nodes"], result.detail["true"])
            if result.requested or previous.get(result.key) != now_seen:
                previous[result.key] = now_seen
                changed.append(
                    Evaluation(
                        asset_key=result.key,
                        requested=result.requested,
                        detail=result.detail,
                        run_id=run_of.get(result.key) if result.requested else None,
                    )
                )
        self.store.record_evaluations(tick_id, now, changed)

    # -- the loop ----------------------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None, *, max_ticks: int | None = None) -> int:
        """Tick every ``[daemon] interval`` seconds until ``stop`` is set; returns the ticks made.

        Between ticks it looks at the run queue every ``[daemon] queue_poll`` seconds and launches
        queued runs at once, into spare processes kept ready for the definitions' code location.
        """
        stop = stop or threading.Event()
        count = 0
        self._woken_seen = self.queue.woken_at()  # the first tick sees what was asked for before it
        try:
            while not stop.is_set() and (max_ticks is None or count < max_ticks):
                started = time.monotonic()
                acted = False
                try:
                    summary = self.tick()
                    acted = summary.acted
                    if acted and (summary.queued_runs or summary.launched_runs or summary.failed_runs):
                        log.info(
                            "tick: queued %d, launched %d, failed %d runs",
                            len(summary.queued_runs),
                            len(summary.launched_runs),
                            len(summary.failed_runs),
                        )
                except Exception:  # one bad tick must not stop the daemon; the next one retries
                    log.exception("daemon tick failed")
                count += 1
                if max_ticks is not None and count >= max_ticks:
                    break
                self._between_ticks(stop, until=started + self.config.daemon.interval, holding_lease=acted)
        finally:
            self.queue.release_lease(LEASE, self.owner)
            if self.launcher is not None:
                self.launcher.close()
        return count

    def _between_ticks(self, stop: threading.Event, *, until: float, holding_lease: bool) -> None:
        """Launch runs as soon as they are queued until ``until`` (taking or renewing the lease first,
        so only one daemon launches), and keep spare processes ready while this daemon leads. Ends
        early when someone asks for a tick now (a report arrived: ``RunQueueStore.wake_daemon``)."""
        location = location_json(self.defs.location)
        launcher = self.launcher
        extra_due = time.monotonic() + _EXTRA_POLL
        while not stop.is_set() and (left := until - time.monotonic()) > 0:
            try:
                if self._woken():
                    return
                if launcher is not None:
                    if self.extra_work and holding_lease and time.monotonic() >= extra_due:
                        extra_due = time.monotonic() + _EXTRA_POLL
                        self._extra_between_ticks()
                    if self.queue.has_waiting():
                        if self.queue.acquire_lease(LEASE, self.owner, ttl=self.config.daemon.lease_ttl):
                            holding_lease = True
                            launched = launcher.launch_queued()
                            if launched:
                                log.info("launched %d queued runs", len(launched))
                    elif holding_lease and location is not None and self.config.runs.spare_workers:
                        launcher.keep_spares(location)
            except Exception:  # the next tick retries; the daemon keeps running
                log.exception("launching queued runs failed")
            stop.wait(min(self.config.daemon.queue_poll, left))

    def _woken(self) -> bool:
        """Whether a wake-up was asked for since the last one this daemon saw."""
        woken = self.queue.woken_at()
        if woken is None or woken == self._woken_seen:
            return False
        self._woken_seen = woken
        log.info("woken for an early tick")
        return True

    def _extra_between_ticks(self) -> None:
        """The extra work (e.g. queuing the next wave of a backfill) between ticks, under a renewed lease."""
        if not self.queue.acquire_lease(LEASE, self.owner, ttl=self.config.daemon.lease_ttl):
            return
        now = time.time()
        for name, work in self.extra_work.items():
            try:
                work(now)
            except Exception:  # the next round retries
                log.exception("%s between ticks failed", name)


class _Timer:
    """Records the seconds of named phases (nested phases are recorded on their own)."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.into[name] = round(time.perf_counter() - started, 4)
