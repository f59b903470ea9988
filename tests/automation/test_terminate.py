"""``monitor.terminate``: a started run's process group is stopped (SIGKILL when SIGTERM is ignored)
and the run recorded canceled; a run that is not running, or whose process this host may not
signal, is refused saying what to do instead."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

import headwater as hw
from headwater.automation.monitor import terminate
from headwater.errors import HeadwaterError
from headwater.events import Event, EventType
from headwater.storage.run_queue import RunQueueStore

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"
)


def _started(queue: RunQueueStore, run_id: str, worker: str) -> None:
    now = time.time()
    assert queue.enqueue(
        hw.RunRecord(run_id=run_id, created_at=now - 1, asset_keys=(hw.AssetKey.parse("slow"),)), location=None
    )
    queue.claim(Event(run_id=run_id, type=EventType.RUN_STARTED, timestamp=now - 1), worker)


def test_terminate_kills_a_process_group_that_ignores_sigterm_and_records_the_run_canceled(
    instance: hw.Instance,
) -> None:
    stubborn = subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
        queue = RunQueueStore(instance.storage)
        worker = f"{socket.gethostname()}:{stubborn.pid}"
        _started(queue, "stubborn", worker)
        queue.storage.store_events(
            [Event(run_id="stubborn", type=EventType.STEP_STARTED, step_key="slow")], for_run="stubborn"
        )
        assert terminate(queue, "stubborn", grace=0.5) == worker
        assert stubborn.wait(10) == -signal.SIGKILL
    finally:
        if stubborn.poll() is None:
            stubborn.kill()
        stubborn.wait(10)
        assert stubborn.stdout is not None
        stubborn.stdout.close()
    record = instance.storage.get_run("stubborn")
    assert record is not None and record.status is hw.RunStatus.CANCELED
    assert record.error == (
        f"terminated on request: its process {worker} and the processes its steps started were stopped"
    )
    tail = [r.event for r in instance.storage.get_events("stubborn")][-2:]
    assert [(e.type, e.step_key) for e in tail] == [(EventType.STEP_FAILED, "slow"), (EventType.RUN_CANCELED, None)]


def test_terminate_refuses_a_run_that_is_not_running(instance: hw.Instance) -> None:
    queue = RunQueueStore(instance.storage)
    assert queue.enqueue(hw.RunRecord(run_id="waiting"), location=None)
    with pytest.raises(HeadwaterError) as caught:
        terminate(queue, "waiting")
    assert str(caught.value) == (
        "run 'waiting' is not running, so there is no process to terminate: a queued run is canceled "
        "with `headwater runs cancel waiting`, and a finished one has nothing left to stop"
    )


def test_terminate_asks_a_run_on_another_host_to_cancel(instance: hw.Instance) -> None:
    queue = RunQueueStore(instance.storage)
    _started(queue, "remote", "another-host:1")
    with pytest.raises(HeadwaterError) as caught:
        terminate(queue, "remote")
    assert str(caught.value) == (
        "run 'remote' runs in process another-host:1, which this server cannot signal (another host or user, "
        "or this server itself): it was asked to cancel and stops before its next step; stop that process "
        "where it runs to end the current step now"
    )
    assert queue.cancel_requested("remote")
    record = instance.storage.get_run("remote")
    assert record is not None and record.status is hw.RunStatus.STARTED
