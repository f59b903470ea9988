"""``headwater dev``: the web UI and the daemon in one command, for working on a project locally.

Both run as child processes of this one (``headwater web`` and ``headwater daemon``). The web
server reloads the definitions itself when a project file changes; the daemon is restarted,
so schedules, sensors and conditions always come from the code on disk. Ctrl-C or SIGTERM
stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from headwater.cli import output
from headwater.cli.loading import location_options

_SKIPPED_DIRS = frozenset({".git", ".headwater", ".venv", "venv", "node_modules", "__pycache__", "target"})
_MAX_WATCHED = 5000


def project_files(root: Path) -> Iterator[Path]:
    """The Python, TOML and YAML files under ``root`` that define the project (virtualenvs and state left out)."""
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".py", ".toml", ".yaml", ".yml", ".sql")):
                count += 1
                if count > _MAX_WATCHED:
                    return
                yield Path(folder) / name


def snapshot(root: Path) -> dict[str, float]:
    """Path -> modification time of every project file."""
    out: dict[str, float] = {}
    for path in project_files(root):
        try:
            out[str(path)] = path.stat().st_mtime
        except OSError:  # removed while walking
            continue
    return out


def changed_files(before: dict[str, float], after: dict[str, float]) -> list[str]:
    """Files added, removed or modified between two snapshots."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


class Child:
    """One supervised ``headwater`` subcommand."""

    def __init__(self, name: str, args: Sequence[str], cwd: str) -> None:
        self.name = name
        self.args = [sys.executable, "-m", "headwater.cli.main", *args]
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, cwd=self.cwd, stdin=subprocess.DEVNULL)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 10.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@click.command("dev")
@location_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web UI listens on.")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535), help="Port of the web UI.")
@click.option("--interval", type=click.FloatRange(min=0.01), help="Seconds between daemon ticks.")
@click.option(
    "--watch/--no-watch", default=True, show_default=True, help="Restart the daemon when project files change."
)
@click.option(
    "--poll", default=1.0, show_default=True, type=click.FloatRange(min=0.05), help="Seconds between file checks."
)
def dev_command(
    module: str | None,
    file: str | None,
    attribute: str | None,
    host: str,
    port: int,
    interval: float | None,
    watch: bool,
    poll: float,
) -> None:
    """Run the web UI and the daemon together, restarting the daemon when your code changes."""
    from headwater.loader import find_location

    location = find_location(module=module, file=file, attribute=attribute)  # fail fast on a bad location
    where = ["-m", location.module] if location.module else ["-f", str(location.file)]
    where += ["-a", location.attribute]
    cwd = location.working_dir or os.getcwd()
    web = Child("web", ["web", *where, "--host", host, "--port", str(port)], cwd)
    daemon = Child("daemon", ["daemon", *where, *(["--interval", str(interval)] if interval else [])], cwd)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    err = output.console(stderr=True)
    root = Path(cwd)
    seen = snapshot(root) if watch else {}
    web.start()
    daemon.start()
    err.print(output.text(f"headwater dev: web UI and daemon for {location.describe()}; Ctrl-C stops both", "bold"))
    code = 0
    reported = False
    try:
        while not stop.wait(poll):
            web_code = web.exited()
            if web_code is not None:
                output.error(f"the web server exited with code {web_code}; stopping the daemon too")
                code = web_code or 1
                break
            daemon_code = daemon.exited()
            if daemon_code is not None and not reported:
                reported = True
                hint = "it restarts when a project file changes" if watch else "restart headwater dev"
                output.error(f"the daemon exited with code {daemon_code} (see its message above); {hint}")
            if not watch:
                continue
            now = snapshot(root)
            changed = changed_files(seen, now)
            if not changed:
                continue
            seen = now
            shown = ", ".join(os.path.relpath(p, root) for p in changed[:3]) + (" …" if len(changed) > 3 else "")
            err.print(output.text(f"{shown} changed: restarting the daemon", "dim"))
            daemon.stop()
            daemon.start()
            reported = False
    except KeyboardInterrupt:
        pass
    finally:
        daemon.stop()
        web.stop()
    if code:
        sys.exit(code)
