"""Launching from the UI as CLI subprocesses: ``headwater materialize``, ``headwater backfill``
and ``headwater runs reexecute``.

User code never runs in the web process: the subprocess loads the definitions, records the run
in storage (tagged with the launch id, so the UI can find it) or the backfill (found by the id it
prints) and exits. A launch that fails before the run starts (a bad selection, config or missing
upstream value) reports the command's error message.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headwater.definitions import CodeLocation
from headwater.errors import HeadwaterError
from headwater.instance.config import InstanceConfig
from headwater.storage import Storage

LAUNCH_TAG = "headwater.launch"
"""The run tag carrying the launch id."""

_BACKFILL_LINE = re.compile(r"^backfill ([0-9a-f]{8}): ", re.MULTILINE)


@dataclass(kw_only=True)
class Launch:
    """One launched ``headwater materialize`` process."""

    launch_id: str
    kind: str
    """``materialize``, ``backfill`` or ``reexecute``."""
    selection: str
    process: subprocess.Popen[bytes]
    output: Path
    started_at: float = field(default_factory=time.time)
    run_id: str | None = None
    backfill_id: str | None = None
    error: str | None = None


class LaunchNotFound(HeadwaterError):
    """No launch has this id (HTTP 404)."""


class Launcher:
    """Starts and follows materialization subprocesses for one code location and instance."""

    def __init__(self, location: CodeLocation, config: InstanceConfig, storage: Storage) -> None:
        self.location = location
        self.config = config
        self.storage = storage
        self._launches: dict[str, Launch] = {}
        self._lock = threading.Lock()
        self._folder = Path(tempfile.mkdtemp(prefix="headwater-web-"))

    def _base(self, *args: str) -> list[str]:
        where = ["-m", self.location.module] if self.location.module else ["-f", str(self.location.file)]
        return [sys.executable, "-m", "headwater.cli.main", *args, *where, "-a", self.location.attribute]

    def command(self, selection: str, partition: str | None, config_json: str | None, launch_id: str) -> list[str]:
        """The ``headwater materialize`` command line for a launch."""
        cmd = [*self._base("materialize"), "--select", selection, "--json", "--tag", f"{LAUNCH_TAG}={launch_id}"]
        if partition:
            cmd += ["--partition", partition]
        if config_json:
            cmd += ["--config-json", config_json]
        return cmd

    def launch(self, selection: str, partition: str | None = None, config_json: str | None = None) -> Launch:
        """Start materializing ``selection`` in a new process; returns at once."""
        launch_id = uuid.uuid4().hex
        return self._start(
            launch_id, "materialize", selection, self.command(selection, partition, config_json, launch_id)
        )

    def launch_backfill(self, selection: str, partitions: str) -> Launch:
        """Start ``headwater backfill --select SELECTION --partitions PARTITIONS``; returns at once."""
        launch_id = uuid.uuid4().hex
        cmd = [*self._base("backfill"), "--select", selection, "--partitions", partitions, "--json"]
        return self._start(launch_id, "backfill", selection, cmd)

    def launch_reexecute(self, run_id: str) -> Launch:
        """Start ``headwater runs reexecute RUN_ID --from-failure``; returns at once."""
        launch_id = uuid.uuid4().hex
        cmd = [
            *self._base("runs", "reexecute"),
            run_id,
            "--from-failure",
            "--json",
            "--tag",
            f"{LAUNCH_TAG}={launch_id}",
        ]
        return self._start(launch_id, "reexecute", run_id, cmd)

    def _start(self, launch_id: str, kind: str, selection: str, command: list[str]) -> Launch:
        env = {
            **os.environ,
            "HEADWATER_HOME": self.config.home,
            "HEADWATER_STORAGE_URL": self.config.storage_url,
            "COLUMNS": "100000",  # error messages on one line each
        }
        output = self._folder / f"{launch_id}.log"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                command,
                cwd=self.location.working_dir or os.getcwd(),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=sink,
                start_new_session=True,
            )
        found = Launch(launch_id=launch_id, kind=kind, selection=selection, process=process, output=output)
        with self._lock:
            self._launches[launch_id] = found
        return found

    def status(self, launch_id: str) -> dict[str, Any]:
        """``pending`` until the run is recorded, then ``started`` with its run id; ``failed`` with the error."""
        with self._lock:
            found = self._launches.get(launch_id)
        if found is None:
            raise LaunchNotFound(f"no launch '{launch_id}' in this web server: launches are kept until it stops")
        code = found.process.poll()
        if found.kind == "backfill":
            if found.backfill_id is None:
                found.backfill_id = self._find_backfill(found.output)
        elif found.run_id is None:
            found.run_id = self._find_run(launch_id)
        started = found.run_id or found.backfill_id
        if started is None and code is not None and found.error is None:
            found.error = _error_text(found.output) or f"headwater {found.kind} exited with code {code}"
        state = "started" if started else ("failed" if found.error else "pending")
        return {
            "launch_id": launch_id,
            "kind": found.kind,
            "status": state,
            "selection": found.selection,
            "run_id": found.run_id,
            "backfill_id": found.backfill_id,
            "error": found.error,
            "exit_code": code,
        }

    def _find_backfill(self, output: Path) -> str | None:
        try:
            match = _BACKFILL_LINE.search(output.read_text(errors="replace"))
        except OSError:
            return None
        if match is None:
            return None
        for record in self.storage.list_backfills(limit=200):
            if record.backfill_id.startswith(match.group(1)):
                return record.backfill_id
        return None

    def _find_run(self, launch_id: str) -> str | None:
        for run in self.storage.list_runs(limit=200):
            if run.tags.get(LAUNCH_TAG) == launch_id:
                return run.run_id
        return None

    def close(self, timeout: float = 10.0) -> None:
        """Wait a little for launched runs to end (they keep running if they take longer)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            launches = list(self._launches.values())
        for found in launches:
            try:
                found.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                continue  # a long run goes on in its own session and records its own end
        shutil.rmtree(self._folder, ignore_errors=True)


def _error_text(path: Path) -> str:
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return ""
    start = text.find("error: ")
    if start >= 0:
        return text[start + len("error: ") :].strip()
    return "\n".join(text.splitlines()[-20:])
