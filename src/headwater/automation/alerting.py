"""Alerts in the daemon: each tick, open an incident for each subject newly in an alert's condition and
resolve those no longer in it, owe one notice per target for each, and deliver what is owed.

An alert's incidents and owed notices are stored (``alert_state``) before anything is sent, so a
daemon killed at any point and started again sends each notice once: only a kill between a target
accepting a notice and the next write can repeat it, and every retry carries the same delivery id.
A target that fails is logged and tried again on the next tick; the tick goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from headwater.automation.alert_delivery import DeliveryFailed, deliver
from headwater.automation.alert_findings import Finding, TickView
from headwater.automation.alert_state import (
    ALERT_KIND,
    AlertMessage,
    AlertState,
    Delivery,
    Incident,
    instigator_name,
)
from headwater.automation.conditions import Evaluator
from headwater.definitions.alert import Alert, AlertTarget
from headwater.errors import DefinitionError, SelectionError, did_you_mean
from headwater.events import RunRecord, RunStatus
from headwater.graph import AssetGraph
from headwater.graph.selection import select
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore, InstigatorState
from headwater.storage.run_queue import RunQueueStore
from headwater.tags import JOB

log = logging.getLogger("headwater.alerts")


@dataclass(kw_only=True)
class AlertsDone:
    """What one tick of alerts did (for the daemon's tick summary)."""

    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    delivered: int = 0
    failed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"opened": self.opened, "resolved": self.resolved, "delivered": self.delivered, "failed": self.failed}


class Alerting:
    """Every alert of one daemon, with its targets resolved and its selection read once."""

    def __init__(
        self,
        storage: Storage,
        graph: AssetGraph,
        alerts: Sequence[Alert],
        *,
        targets: Mapping[str, AlertTarget],
        base_url: str,
        evaluator: Evaluator,
    ) -> None:
        self.storage = storage
        self.graph = graph
        self.alerts = list(alerts)
        self.base_url = base_url.rstrip("/")
        self.evaluator = evaluator
        self.store = AutomationStore(storage)
        self.targets_of, self.keys_of = resolve_alerts(graph, self.alerts, targets)

    def tick(self, now: float, states: Mapping[str, InstigatorState]) -> AlertsDone:
        """Open and resolve incidents at ``now``, then deliver every notice owed."""
        done = AlertsDone()
        view = TickView(self.storage, self.graph, self.evaluator, now)
        for alert in self.alerts:
            name = instigator_name(alert.name)
            found = states.get(name)
            opened, resolved = len(done.opened), len(done.resolved)
            try:
                state = AlertState.from_cursor(found.cursor if found is not None else None, now)
                changed = self._evaluate(alert, state, view, now, done)
            except Exception:  # one alert's failure must not stop the others or the tick
                log.exception("alert '%s' could not be evaluated; tried again next tick", alert.name)
                continue
            if changed or found is None:
                self.store.save_instigator(name, ALERT_KIND, cursor=state.to_cursor(), last_tick_at=now)
            if len(done.opened) > opened or len(done.resolved) > resolved:  # history, once the state is stored
                tick, _ = self.store.start_tick(name, ALERT_KIND, f"{name}:{state.seq}:{now!r}", timestamp=now)
                data = {"opened": done.opened[opened:], "resolved": done.resolved[resolved:]}
                self.store.finish_tick(tick.id, status="alerted", data=data)
            self._deliver(alert, state, now, done)
        return done

    # -- incidents -------------------------------------------------------------------------------

    def _evaluate(self, alert: Alert, state: AlertState, view: TickView, now: float, done: AlertsDone) -> bool:
        """Update ``state``'s incidents (and owed notices); whether anything changed."""
        before = (state.seq, len(state.open), len(state.outbox), state.runs_after, state.last_request_at)
        if alert.on == "run_failed":
            self._runs(alert, state, now, done)
        elif alert.on == "automation_idle":
            self._idle(alert, state, now, done)
        else:
            found = view.findings(alert, self.keys_of[alert.name])
            for subject, finding in found.items():
                if subject not in state.open:
                    self._open(alert, state, subject, finding, now, done)
            for subject in [s for s in state.open if s not in found]:
                self._resolve(alert, state, subject, now, done, "no longer in the alert's condition")
        return before != (state.seq, len(state.open), len(state.outbox), state.runs_after, state.last_request_at)

    def _open(
        self, alert: Alert, state: AlertState, subject: str, finding: Finding, now: float, done: AlertsDone
    ) -> None:
        state.seq += 1
        incident = Incident(
            id=f"{alert.name}#{state.seq}",
            subject=subject,
            opened_at=now,
            summary=finding.summary,
            url=self.base_url + finding.path,
        )
        state.open[subject] = incident
        self._owe(alert, state, incident, "firing", None, None)
        done.opened.append(incident.id)

    def _resolve(
        self, alert: Alert, state: AlertState, subject: str, now: float, done: AlertsDone, resolution: str
    ) -> None:
        incident = state.open.pop(subject)
        self._owe(alert, state, incident, "resolved", now, resolution)
        done.resolved.append(incident.id)

    def _owe(
        self,
        alert: Alert,
        state: AlertState,
        incident: Incident,
        phase: str,
        resolved_at: float | None,
        resolution: str | None,
    ) -> None:
        message = AlertMessage(
            alert=alert.name,
            kind=alert.on,
            status="firing" if phase == "firing" else "resolved",
            incident=incident.id,
            subject=incident.subject,
            summary=incident.summary,
            url=incident.url,
            opened_at=incident.opened_at,
            resolved_at=resolved_at,
            resolution=resolution,
        )
        state.outbox.extend(Delivery(target=name, message=message) for name in self.targets_of[alert.name])

    def _runs(self, alert: Alert, state: AlertState, now: float, done: AlertsDone) -> None:
        """Runs finished since the last look: a failure opens its job's (or selection's) incident, a
        success resolves it. Watches runs that finish from the alert's first evaluation on."""
        if state.runs_after is None:
            state.runs_after = now
            return
        keys = self.keys_of[alert.name] if alert.select not in (None, "", "*") else None
        finished = RunQueueStore(self.storage).finished_runs_since(state.runs_after)
        for run in finished:
            if keys is not None and run.asset_keys and keys.isdisjoint(run.asset_keys):
                continue
            subject = _run_subject(run)
            if run.status is RunStatus.FAILED and subject not in state.open:
                error = f": {run.error}" if run.error else ""
                finding = Finding(
                    summary=f"run {run.run_id[:8]} of {subject} failed{error}", path=f"/runs/{run.run_id}"
                )
                self._open(alert, state, subject, finding, now, done)
            elif run.status is RunStatus.SUCCEEDED and subject in state.open:
                self._resolve(alert, state, subject, now, done, f"run {run.run_id[:8]} of {subject} succeeded")
        if finished and finished[-1].finished_at is not None:
            state.runs_after = finished[-1].finished_at

    def _idle(self, alert: Alert, state: AlertState, now: float, done: AlertsDone) -> None:
        """Open while no schedule, sensor or condition requested a run for ``after``; resolve on the next request."""
        known = state.last_request_at if state.last_request_at is not None else state.since
        latest = self.store.last_request_after(known)
        if latest is not None:
            state.last_request_at = latest
        quiet_since = max(known, latest or 0.0)
        limit = alert.after.total_seconds() if alert.after is not None else 0.0
        subject = "automation"
        if now - quiet_since > limit and subject not in state.open:
            summary = f"automation requested no run for longer than {alert.after}"
            self._open(alert, state, subject, Finding(summary=summary, path="/automation"), now, done)
        elif now - quiet_since <= limit and subject in state.open:
            self._resolve(alert, state, subject, now, done, "automation requested a run")

    # -- delivery --------------------------------------------------------------------------------

    def _deliver(self, alert: Alert, state: AlertState, now: float, done: AlertsDone) -> None:
        """Send every owed notice in order; a target that fails is skipped for the rest of this tick."""
        if not state.outbox:
            return
        targets = self.targets_of[alert.name]
        down: set[str] = set()
        name = instigator_name(alert.name)
        for owed in list(state.outbox):
            target = targets.get(owed.target)
            if target is None:  # the target was removed from the configuration since
                log.warning(
                    "alert '%s': dropping a notice for target '%s', no longer declared", alert.name, owed.target
                )
                state.outbox.remove(owed)
                continue
            if owed.target in down:
                continue
            try:
                deliver(target, owed.message)
            except DeliveryFailed as exc:
                owed.attempts += 1
                owed.error = str(exc)
                down.add(owed.target)
                done.failed.append(f"{owed.message.delivery} -> {owed.target}")
                log.warning(
                    "alert '%s': %s not delivered (attempt %d), tried again next tick: %s",
                    alert.name,
                    owed.message.delivery,
                    owed.attempts,
                    exc,
                )
            else:
                state.outbox.remove(owed)
                done.delivered += 1
            if target.kind != "log":  # stored after each send: a notice a target took is not sent again
                self.store.save_instigator(name, ALERT_KIND, cursor=state.to_cursor(), last_tick_at=now)
        self.store.save_instigator(name, ALERT_KIND, cursor=state.to_cursor(), last_tick_at=now)


def resolve_alerts(
    graph: AssetGraph, alerts: Sequence[Alert], targets: Mapping[str, AlertTarget]
) -> tuple[dict[str, dict[str, AlertTarget]], dict[str, frozenset[AssetKey]]]:
    """Each alert's targets (names read from ``targets``) and selected assets; DefinitionError naming
    the alert for a repeated name, an undeclared target or a selection that does not parse."""
    targets_of: dict[str, dict[str, AlertTarget]] = {}
    keys_of: dict[str, frozenset[AssetKey]] = {}
    for alert in alerts:
        where = f"hw.Alert({alert.name!r})"
        if alert.name in targets_of:
            raise DefinitionError(
                f"{where}: two alerts have this name (in the code and in [[alerts.rules]] of headwater.toml); "
                "rename one"
            )
        targets_of[alert.name] = {t.name: t for t in (_target(where, t, targets) for t in alert.targets)}
        try:
            keys_of[alert.name] = select(graph, alert.select)
        except SelectionError as exc:
            raise DefinitionError(f"{where}: select={alert.select!r}: {exc}") from None
    return targets_of, keys_of


def _run_subject(run: RunRecord) -> str:
    job = run.tags.get(JOB)
    subject = f"job {job}" if job else run.selection
    return f"{subject} [{run.partition}]" if run.partition else subject


def _target(where: str, target: AlertTarget | str, declared: Mapping[str, AlertTarget]) -> AlertTarget:
    if isinstance(target, AlertTarget):
        return target
    found = declared.get(target)
    if found is None:
        raise DefinitionError(
            f"{where}: unknown target '{target}'{did_you_mean(target, declared)}; declare it in headwater.toml as "
            f'[alerts.targets.{target}] with type = "webhook" and url = "https://...", or pass '
            f"hw.AlertTarget.webhook(url); declared: {', '.join(sorted(declared))}"
        )
    return found
