"""Instance configuration: ``headwater.toml`` in the project or ``$HEADWATER_HOME``,
overridden by environment variables, validated once by pydantic.

Without any configuration, storage is SQLite under ``.headwater/`` in the project.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import pydantic

from headwater.auth.config import WebAuthConfig
from headwater.automation.config import AlertsConfig, AutomationConfig, DaemonConfig, RetentionConfig, RunsConfig
from headwater.definitions import DaskExecutor, ExecutorSpec, InProcessExecutor, MultiprocessExecutor
from headwater.errors import ConfigError

CONFIG_FILE = "headwater.toml"


class StorageConfig(pydantic.BaseModel):
    """Where the event log lives."""

    model_config = pydantic.ConfigDict(extra="forbid")
    url: str | None = None


class IOConfig(pydantic.BaseModel):
    """Where the default IO manager stores values."""

    model_config = pydantic.ConfigDict(extra="forbid")
    base_dir: str | None = None


class ExecutorConfig(pydantic.BaseModel):
    """``[executor]``: where steps run, overriding ``Definitions(executor=...)``.

    ``kind`` is ``in_process``, ``multiprocess`` or ``dask``; ``workers`` sizes the process pool or
    the local dask cluster; ``dask_address`` (or ``$HEADWATER_DASK_ADDRESS``) names a running
    scheduler, also for a ``hw.DaskExecutor()`` declared without one.
    """

    model_config = pydantic.ConfigDict(extra="forbid")
    kind: Literal["in_process", "multiprocess", "dask"] | None = None
    workers: int | None = pydantic.Field(default=None, ge=1)
    threads_per_worker: int = pydantic.Field(default=1, ge=1)
    dask_address: str | None = None

    def spec(self) -> ExecutorSpec | None:
        """The executor this section chooses, or None to keep the definitions' own."""
        if self.kind == "in_process":
            return InProcessExecutor()
        if self.kind == "multiprocess":
            return MultiprocessExecutor(max_workers=self.workers)
        if self.kind == "dask":
            return DaskExecutor(
                address=self.dask_address, n_workers=self.workers, threads_per_worker=self.threads_per_worker
            )
        return None


class WebConfig(pydantic.BaseModel):
    """``[web]``: ``[web.auth]`` sets the trusted-header mode and sign-in sessions."""

    model_config = pydantic.ConfigDict(extra="forbid")
    auth: WebAuthConfig = WebAuthConfig()


class InstanceConfig(pydantic.BaseModel):
    """The whole ``headwater.toml``."""

    model_config = pydantic.ConfigDict(extra="forbid")
    home: str
    storage: StorageConfig = StorageConfig()
    io: IOConfig = IOConfig()
    runs: RunsConfig = RunsConfig()
    daemon: DaemonConfig = DaemonConfig()
    retention: RetentionConfig = RetentionConfig()
    alerts: AlertsConfig = AlertsConfig()
    executor: ExecutorConfig = ExecutorConfig()
    web: WebConfig = WebConfig()

    @property
    def automation(self) -> AutomationConfig:
        """The sections the automation daemon reads."""
        return AutomationConfig(runs=self.runs, daemon=self.daemon, retention=self.retention, alerts=self.alerts)

    @property
    def storage_url(self) -> str:
        """The storage URL, defaulting to SQLite in ``home``."""
        return self.storage.url or f"sqlite:///{Path(self.home) / 'headwater.db'}"

    @property
    def io_dir(self) -> Path:
        """The folder of the default IO manager."""
        return Path(self.io.base_dir) if self.io.base_dir else Path(self.home) / "storage"


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc


def load_config(project_dir: str | os.PathLike[str] | None = None) -> InstanceConfig:
    """Read configuration for a project folder (default: the current directory).

    Order: ``$HEADWATER_HOME`` (else ``<project>/.headwater``) is home; ``headwater.toml``
    in the project, else in home, is read; ``HEADWATER_STORAGE_URL`` overrides the URL and
    ``HEADWATER_DASK_ADDRESS`` the dask scheduler address.
    """
    project = Path(project_dir or os.getcwd()).resolve()
    env_home = os.environ.get("HEADWATER_HOME")
    home = Path(env_home).expanduser().resolve() if env_home else project / ".headwater"
    data: dict[str, Any] = {}
    for candidate in (project / CONFIG_FILE, home / CONFIG_FILE):
        if candidate.is_file():
            data = _read(candidate)
            source = candidate
            break
    else:
        source = None
    data = {"home": str(home), **data}
    url = os.environ.get("HEADWATER_STORAGE_URL")
    if url:
        data["storage"] = {**data.get("storage", {}), "url": url}
    dask_address = os.environ.get("HEADWATER_DASK_ADDRESS")
    if dask_address:
        data["executor"] = {**data.get("executor", {}), "dask_address": dask_address}
    try:
        config = InstanceConfig.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(
            f"invalid instance configuration in {source or 'the environment'}: {problems}; "
            "valid sections are [storage] url = ..., [io] base_dir = ..., [runs] max_concurrent = N, "
            "[daemon] interval = seconds, [retention] keep_runs = N, [alerts] webhook = URL, "
            '[executor] kind = "dask" and dask_address = "tcp://host:8786"'
        ) from None
    base = source.parent if source else project
    if config.io.base_dir and not Path(config.io.base_dir).is_absolute():
        config.io.base_dir = str(base / config.io.base_dir)
    return config
