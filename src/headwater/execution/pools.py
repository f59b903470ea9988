"""Executors supply the pool the scheduling loop submits steps to.

In-process: steps run inline, one at a time. Multiprocess: a reused pool of
spawned worker processes, each loading the user's code once at start-up.
"""

from __future__ import annotations

import multiprocessing
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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


def _init_worker(location: CodeLocation, io_base_dir: str) -> None:
    global _WORKER_ENV
    defs = load_definitions(location)
    _WORKER_ENV = build_env(defs, FilesystemIOManager(io_base_dir))
    capture.install()


def _run_in_worker(op_name: str, spec: RunSpec) -> StepOutcome:
    if _WORKER_ENV is None:
        raise RuntimeError("worker process was not initialised")
    return run_step(_WORKER_ENV, op_name, spec)


class MultiprocessPool(StepPool):
    """A pool of spawned worker processes that load the user's code once each."""

    def __init__(self, location: CodeLocation, io_base_dir: str, max_workers: int) -> None:
        self.max_workers = max_workers
        self.location = location
        self.io_base_dir = io_base_dir
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.max_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.location, self.io_base_dir),
        )

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        try:
            try:
                return self._pool.submit(_run_in_worker, op_name, spec)
            except BrokenProcessPool:  # a worker died in an earlier step: start afresh
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start()
                return self._pool.submit(_run_in_worker, op_name, spec)
        except Exception as exc:
            future: Future[StepOutcome] = Future()
            future.set_exception(exc)
            return future

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


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
