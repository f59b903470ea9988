"""Executor choices a user declares; the execution layer turns each into a pool.

Pure data: no processes or clusters are started here.
"""

from __future__ import annotations

from dataclasses import dataclass

from headwater.errors import DefinitionError


@dataclass(frozen=True, kw_only=True)
class InProcessExecutor:
    """Run steps one after another in the calling process (the default)."""


@dataclass(frozen=True, kw_only=True)
class MultiprocessExecutor:
    """Run steps in a reused pool of worker processes, each loading user code once."""

    max_workers: int | None = None

    def __post_init__(self) -> None:
        if self.max_workers is not None and self.max_workers < 1:
            raise DefinitionError(f"MultiprocessExecutor(max_workers={self.max_workers}): use 1 or more")


@dataclass(frozen=True, kw_only=True)
class DaskExecutor:
    """Run steps on a ``dask.distributed`` cluster (needs ``pip install "headwater[dask]"``).

    Attributes:
        address: The scheduler to connect to, e.g. ``"tcp://10.0.0.5:8786"``. Without one, each run
            starts a local cluster of worker processes on 127.0.0.1 and closes it at the end.
        n_workers: Worker processes of the local cluster (default: the CPU count, at most 8).
        threads_per_worker: Threads of each local worker; steps run concurrently on them.
        connect_timeout: Seconds to wait for the scheduler at ``address`` before the run fails.
    """

    address: str | None = None
    n_workers: int | None = None
    threads_per_worker: int = 1
    connect_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.address is not None and (not isinstance(self.address, str) or not self.address.strip()):
            raise DefinitionError(
                f"DaskExecutor(address={self.address!r}): give the scheduler as 'tcp://host:8786', "
                "or leave it out to run on a local cluster"
            )
        if self.n_workers is not None and self.n_workers < 1:
            raise DefinitionError(f"DaskExecutor(n_workers={self.n_workers}): use 1 or more")
        if self.threads_per_worker < 1:
            raise DefinitionError(f"DaskExecutor(threads_per_worker={self.threads_per_worker}): use 1 or more")
        if not self.connect_timeout > 0:
            raise DefinitionError(
                f"DaskExecutor(connect_timeout={self.connect_timeout}): use a positive number of seconds"
            )


ExecutorSpec = InProcessExecutor | MultiprocessExecutor | DaskExecutor
