"""The dask executor's pool: steps run as tasks on a ``dask.distributed`` cluster.

Each dask worker loads the user's code once per code location and keeps the step
environment; outcomes (events, logs, captured output) come back through the task's
future for the scheduling loop to record. Dask is imported only when a pool is made,
so ``import headwater`` works without the ``dask`` extra. This module never writes
events or touches storage.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from concurrent.futures import Future
from typing import Any

from headwater.definitions import CodeLocation, DaskExecutor, Definitions
from headwater.errors import ConfigError, HeadwaterError
from headwater.execution import capture
from headwater.execution.env import build_env
from headwater.execution.pools import StepPool, check_shareable
from headwater.execution.step import RunSpec, StepEnv, StepOutcome, run_step
from headwater.io import FilesystemIOManager, IOManager
from headwater.loader import load_definitions

INSTALL_HINT = 'the dask executor needs the dask extra: pip install "headwater[dask]"'

_WORKER_ENVS: dict[tuple[CodeLocation, str], StepEnv] = {}
_WORKER_ENVS_LOCK = threading.Lock()


def _worker_env(location: CodeLocation, io_base_dir: str) -> StepEnv:
    """The step environment of this worker process for a code location, built on first use."""
    key = (location, io_base_dir)
    env = _WORKER_ENVS.get(key)
    if env is None:
        with _WORKER_ENVS_LOCK:  # a worker with several threads loads the code once
            env = _WORKER_ENVS.get(key)
            if env is None:
                env = build_env(load_definitions(location), FilesystemIOManager(io_base_dir))
                capture.install()
                _WORKER_ENVS[key] = env
    return env


def load_on_worker(location: CodeLocation, io_base_dir: str) -> None:
    """Import the user's code in this worker ahead of the run's steps."""
    _worker_env(location, io_base_dir)


def run_on_worker(location: CodeLocation, io_base_dir: str, op_name: str, spec: RunSpec) -> StepOutcome:
    """The task each step becomes: run it in this worker's environment for ``location``."""
    return run_step(_worker_env(location, io_base_dir), op_name, spec)


def import_distributed() -> Any:
    """The ``distributed`` module, or a ConfigError saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError(f"{INSTALL_HINT} ({exc})") from exc
    return distributed


class DaskPool(StepPool):
    """Steps submitted as tasks to a dask cluster: the one at ``address``, else a local one of its own.

    Steps run at once up to the cluster's worker threads when the pool connects. A scheduler that
    cannot be reached, a local cluster that cannot start or workers that cannot import the code do
    not raise here: every step submitted fails with that error, so the run is recorded as failed.
    """

    def __init__(self, location: CodeLocation, io_base_dir: str, spec: DaskExecutor) -> None:
        self.location = location
        self.io_base_dir = io_base_dir
        self.spec = spec
        # dask objects are typed Any: dask is imported lazily and only partly annotated
        self._cluster: Any = None
        self._client: Any = None
        self._error: HeadwaterError | None = None
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()
        try:
            self._client = self._connect(import_distributed())
            self._load_code()
        except HeadwaterError as exc:
            self._error = exc
            self.close()
        except BaseException:  # e.g. Ctrl-C while connecting: leave no cluster behind
            self.close()
            raise
        self.max_workers = self._threads()

    def _connect(self, dd: Any) -> Any:
        spec = self.spec
        if spec.address is not None:
            try:
                client = dd.Client(spec.address, timeout=spec.connect_timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ConfigError(
                    f"cannot reach the dask scheduler at {spec.address} within {spec.connect_timeout:g} s "
                    f"({type(exc).__name__}: {exc}): start one there (`dask scheduler`) or fix the address "
                    "in hw.DaskExecutor(address=...), [executor] dask_address in headwater.toml or "
                    "$HEADWATER_DASK_ADDRESS; leave it unset to run on a local cluster"
                ) from exc
            try:
                client.wait_for_workers(1, timeout=spec.connect_timeout)
            except TimeoutError as exc:  # steps would wait in the scheduler's queue forever
                client.close()
                raise ConfigError(
                    f"the dask scheduler at {spec.address} has no workers (none joined within "
                    f"{spec.connect_timeout:g} s): start some with `dask worker {spec.address}`"
                ) from exc
            return client
        workers = spec.n_workers or min(os.cpu_count() or 1, 8)
        try:
            # A step that kills its worker fails once (hw.Retry decides on another attempt) instead
            # of being re-run by the scheduler on other workers until they all die.
            import dask

            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                self._cluster = dd.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=spec.threads_per_worker,
                    processes=True,
                    host="127.0.0.1",
                    scheduler_port=0,
                    dashboard_address=None,
                    # the scheduler's HTTP endpoints (health, metrics) on any free port, not 8787
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            return dd.Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError, RuntimeError) as exc:
            raise ConfigError(
                f"could not start a local dask cluster of {workers} worker(s) on 127.0.0.1 "
                f"({type(exc).__name__}: {exc}): lower hw.DaskExecutor(n_workers=...) or give the "
                "address of a running scheduler"
            ) from exc

    def _load_code(self) -> None:
        """Have every worker import the user's code now: in parallel, and with a clear error if it cannot."""
        addresses = sorted(self._client.nthreads())
        tasks = [
            self._client.submit(
                load_on_worker,
                self.location,
                self.io_base_dir,
                key=f"headwater-load-{uuid.uuid4().hex}",
                workers=[address],
                allow_other_workers=False,
                pure=False,
            )
            for address in addresses
        ]
        for address, task in zip(addresses, tasks, strict=True):
            try:
                task.result()
            except Exception as exc:
                raise ConfigError(
                    f"the dask worker at {address} cannot load your definitions ({self.location.describe()}): "
                    f"{type(exc).__name__}: {exc}; every worker needs Headwater and your code at the same path "
                    "(or the same installed package) as this machine"
                ) from exc

    def _threads(self) -> int:
        """Steps the cluster runs at once: its worker threads when connected."""
        if self._client is None:
            return 1
        threads: dict[str, int] = self._client.nthreads()
        return max(1, sum(threads.values()))

    @property
    def error(self) -> HeadwaterError | None:
        """Why the pool cannot run steps (scheduler unreachable, cluster not started), if it cannot."""
        return self._error

    @property
    def scheduler_address(self) -> str | None:
        """The address of the scheduler the pool submits to, once connected."""
        return None if self._client is None else str(self._client.scheduler.address)

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        future: Future[StepOutcome] = Future()
        if self._client is None:
            future.set_exception(self._error or HeadwaterError("the dask executor is closed"))
            return future
        key = f"headwater-{op_name}-{uuid.uuid4().hex}"
        try:
            task = self._client.submit(
                run_on_worker, self.location, self.io_base_dir, op_name, spec, key=key, pure=False
            )
        except Exception as exc:  # e.g. the run config cannot be pickled
            future.set_exception(exc)
            return future
        with self._lock:  # dask forgets a task whose future is dropped: keep it until it ends
            self._tasks[key] = task
        task.add_done_callback(lambda done: self._settle(op_name, done, future))
        return future

    def _settle(self, op_name: str, task: Any, future: Future[StepOutcome]) -> None:
        with self._lock:
            self._tasks.pop(str(task.key), None)
        try:
            if task.status == "finished":
                future.set_result(task.result())
            elif task.status == "cancelled":
                future.set_exception(HeadwaterError(f"the dask task of step '{op_name}' was cancelled on the cluster"))
            else:
                future.set_exception(self._explain(op_name, task.exception()))
        except BaseException as exc:  # the loop reports pool failures from the future
            if not future.done():
                future.set_exception(exc)

    def _explain(self, op_name: str, exc: BaseException | None) -> BaseException:
        if exc is None:
            return HeadwaterError(f"the dask task of step '{op_name}' ended without a result")
        if type(exc).__name__ == "KilledWorker":
            return HeadwaterError(
                f"the dask worker running step '{op_name}' was lost before the step finished "
                f"(killed, out of memory or crashed): {exc}; see the worker's log, give the workers "
                "more memory, or add retry=hw.Retry(max_retries=N) to the asset to run it again"
            )
        return exc

    def close(self) -> None:
        """Disconnect; a local cluster is shut down with its workers."""
        with self._lock:
            self._tasks.clear()
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def dask_pool(defs: Definitions, spec: DaskExecutor, default_io: IOManager) -> DaskPool:
    """A dask pool for ``defs``, with clear errors for what cannot cross processes."""
    import_distributed()
    location, io_base_dir = check_shareable(defs, default_io, "dask")
    return DaskPool(location, io_base_dir, spec)
