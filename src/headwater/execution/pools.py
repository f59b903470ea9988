"""Executors supply the pool the scheduling loop submits steps to.

In-process: steps run inline, one at a time. Multiprocess: a reused pool of
spawned worker processes, each loading the user's code once at start-up; a
worker that dies fails only its own step, and the pool is started afresh.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from headwater.definitions import CodeLocation, Definitions, MultiprocessExecutor
from headwater.errors import ConfigError
from headwater.execution import capture
from headwater.execution.env import build_env
from headwater.execution.step import RunSpec, StepEnv, StepOutcome, run_checks, run_step
from headwater.graph.plan import Plan
from headwater.io import FilesystemIOManager, IOManager
from headwater.keys import AssetKey
from headwater.loader import load_definitions


class StepPool(ABC):
    """Where steps run."""

    max_workers: int = 1

    @abstractmethod
    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        """Start the step; failures of the pool itself surface through the future."""

    def close(self) -> None:  # noqa: B027 - most pools hold nothing to release
        """Release workers."""


class InProcessPool(StepPool):
    """Runs each step inline when it is submitted."""

    def __init__(self, env: StepEnv) -> None:
        self.env = env

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        future: Future[StepOutcome] = Future()
        try:
            future.set_result(run_step(self.env, op_name, spec))
        except Exception as exc:  # KeyboardInterrupt and SystemExit stop the run instead
            future.set_exception(exc)
        return future


class CheckOnlyPool(StepPool):
    """Runs the steps of a check-only plan inline: each evaluates one asset's checks on its stored value."""

    def __init__(self, env: StepEnv, plan: Plan, materialized_at: Mapping[AssetKey, float]) -> None:
        self.env = env
        self.plan = plan
        self.materialized_at = materialized_at

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        future: Future[StepOutcome] = Future()
        step = self.plan.steps[op_name]
        key = step.asset_keys[0]
        names = [chk.name for chk in step.checks]
        try:
            future.set_result(
                run_checks(self.env, key, spec, names=names, materialized_at=self.materialized_at.get(key))
            )
        except Exception as exc:
            future.set_exception(exc)
        return future


class InlinePool(StepPool):
    """Runs each step inline by calling ``run(step_key, spec)``: for observations and reports, whose
    steps call a source asset's ``observe=`` function or record what another system made."""

    def __init__(self, run: Callable[[str, RunSpec], StepOutcome]) -> None:
        self.run = run

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        future: Future[StepOutcome] = Future()
        try:
            future.set_result(self.run(op_name, spec))
        except Exception as exc:
            future.set_exception(exc)
        return future


_WORKER_ENV: StepEnv | None = None
_WORKER_STARTS: Any = None  # the pool's shared array: a step's slot holds the pid of the worker running it

_SLOTS = 1024  # steps in flight tracked at once; more run untracked (a worker death fails them all, as before)


class WorkerDied(BrokenProcessPool):
    """The worker process running a step ended abruptly (SIGKILL, the out-of-memory killer, ``os._exit``)."""


def _init_worker(location: CodeLocation, io_base_dir: str, starts: Any) -> None:
    global _WORKER_ENV, _WORKER_STARTS
    defs = load_definitions(location)
    _WORKER_ENV = build_env(defs, FilesystemIOManager(io_base_dir))
    _WORKER_STARTS = starts
    capture.install()


def _run_in_worker(op_name: str, spec: RunSpec, slot: int) -> StepOutcome:
    if _WORKER_ENV is None:
        raise RuntimeError("worker process was not initialised")
    if slot >= 0:
        _WORKER_STARTS[slot] = os.getpid()
    return run_step(_WORKER_ENV, op_name, spec)


def _ready() -> None:
    """A task that only makes the pool start a worker."""


@dataclass(eq=False)
class _Generation:
    """One ProcessPoolExecutor and the shared array its workers note their pid in; replaced when it breaks."""

    executor: ProcessPoolExecutor
    starts: Any
    free: list[int]


@dataclass(eq=False)
class _Task:
    """A step handed to the pool, kept so it can go to a new pool when the one it ran in broke."""

    op_name: str
    spec: RunSpec
    future: Future[StepOutcome]  # what the loop waits on; outlives a broken pool
    resubmitted: bool = False


class MultiprocessPool(StepPool):
    """A pool of spawned worker processes that load the user's code once each.

    concurrent.futures breaks the whole pool when one worker dies. Each worker notes its pid
    in a shared array as it starts a step, so when the pool breaks only the steps whose worker is
    gone fail; the others (killed by the breaking pool, or not started) go once more to a new pool.
    """

    def __init__(self, location: CodeLocation, io_base_dir: str, max_workers: int) -> None:
        self.max_workers = max_workers
        self.location = location
        self.io_base_dir = io_base_dir
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._closed = False
        self._gen = self._start()

    def _start(self) -> _Generation:
        starts = self._context.RawArray("q", _SLOTS)
        executor = ProcessPoolExecutor(
            max_workers=self.max_workers,
            mp_context=self._context,
            initializer=_init_worker,
            initargs=(self.location, self.io_base_dir, starts),
        )
        # Start every worker now. Spawned lazily, a worker started after the pool last woke up is not
        # watched, and its death would go unseen until another step ends (or forever, if none is running).
        for _ in range(self.max_workers):
            executor.submit(_ready)
        return _Generation(executor, starts, list(range(_SLOTS)))

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        task = _Task(op_name, spec, Future())
        self._send(task)
        return task.future

    def _send(self, task: _Task, broken: _Generation | None = None) -> None:
        """Submit ``task`` to the current pool, first replacing ``broken`` (or a pool found broken)."""
        try:
            with self._lock:
                if self._closed:
                    raise RuntimeError(
                        f"step '{task.op_name}' was not run: its multiprocess pool was closed (the instance "
                        "was closed while the run went on); rerun it with an open instance"
                    )
                if broken is self._gen:
                    self._replace()
                try:
                    gen, slot, inner = self._submit(task)
                except BrokenProcessPool:  # a worker died after the last step ended: start afresh
                    self._replace()
                    gen, slot, inner = self._submit(task)
        except Exception as exc:
            task.future.set_exception(exc)
            return
        inner.add_done_callback(lambda done: self._finished(task, gen, slot, done))

    def _submit(self, task: _Task) -> tuple[_Generation, int, Future[StepOutcome]]:
        gen = self._gen
        slot = gen.free.pop() if gen.free else -1
        if slot >= 0:
            gen.starts[slot] = 0
        try:
            return gen, slot, gen.executor.submit(_run_in_worker, task.op_name, task.spec, slot)
        except BaseException:
            if slot >= 0:
                gen.free.append(slot)
            raise

    def _replace(self) -> None:
        self._gen.executor.shutdown(wait=False)
        self._gen = self._start()

    def _finished(self, task: _Task, gen: _Generation, slot: int, inner: Future[StepOutcome]) -> None:
        """Pass the step's outcome on; when the pool broke, fail it only if its own worker died."""
        if inner.cancelled():
            task.future.cancel()
            return
        exc = inner.exception()
        pid = gen.starts[slot] if slot >= 0 else -1
        with self._lock:
            if slot >= 0:
                gen.free.append(slot)
        if exc is None:
            task.future.set_result(inner.result())
            return
        if not isinstance(exc, BrokenProcessPool) or task.resubmitted or slot < 0:
            task.future.set_exception(exc)
            return
        if pid and _gone(pid):
            died = WorkerDied(
                f"the worker process {pid} running step '{task.op_name}' died (killed, e.g. by SIGKILL or the "
                "out-of-memory killer, or it called os._exit); steps on other workers went on. Give the asset "
                "an hw.Retry policy to run it again, or rerun the failed steps with "
                "`headwater runs reexecute RUN --from-failure`"
            )
            died.__cause__ = exc
            task.future.set_exception(died)
            return
        task.resubmitted = True
        # Not from this thread: it is the broken pool's own, still tearing the pool down.
        threading.Thread(target=self._send, args=(task, gen), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            gen = self._gen
        gen.executor.shutdown(wait=True, cancel_futures=True)


def _gone(pid: int) -> bool:
    """Whether worker ``pid`` has ended. This runs as the breaking pool marks its futures, before it
    terminates the healthy workers, so an ended worker is the one that died. Its exit closes its
    sentinel before the kernel lets it be reaped, so the sentinel is what tells."""
    for process in multiprocessing.active_children():
        if process.pid == pid:
            return bool(multiprocessing.connection.wait([process.sentinel], timeout=0))
    return True


def check_shareable(defs: Definitions, default_io: IOManager, executor: str) -> tuple[CodeLocation, str]:
    """Where workers load ``defs`` from and the folder of the shared default IO manager.

    Raises clear errors for what cannot cross processes.
    """
    if defs.location is None:
        raise ConfigError(
            f"the {executor} executor needs definitions loaded from a module or file, so each worker "
            "can import them: load them with headwater.load_definitions(...) or run "
            "`headwater materialize -m package.module` / `-f defs.py`"
        )
    if not isinstance(default_io, FilesystemIOManager):
        raise ConfigError(
            f"the {executor} executor needs an IO manager that processes share; this instance keeps "
            "values in memory: use an instance with a storage folder (hw.Instance.from_config / "
            "$HEADWATER_HOME) instead of an ephemeral one"
        )
    for name, manager in defs.io_managers.items():
        if isinstance(manager, IOManager) and not manager.shared_between_processes:
            raise ConfigError(
                f"io_managers['{name}'] keeps values in one process and cannot be used with the "
                f"{executor} executor: use a filesystem or database IO manager"
            )
    return defs.location, str(default_io.base_dir)


def multiprocess_pool(defs: Definitions, spec: MultiprocessExecutor, default_io: IOManager) -> MultiprocessPool:
    """A multiprocess pool for ``defs``, with clear errors for what cannot cross processes."""
    location, io_base_dir = check_shareable(defs, default_io, "multiprocess")
    workers = spec.max_workers or min(os.cpu_count() or 1, 8)
    return MultiprocessPool(location, io_base_dir, workers)
