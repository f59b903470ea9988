"""Running dbt for Headwater: ``dbt parse`` to get a manifest, ``dbt build`` for chosen nodes.

dbt runs in a subprocess of the same Python interpreter, so Headwater never imports dbt
(which reconfigures logging and is not thread-safe) and a dbt crash cannot take a run down.
This module knows dbt's command line and files; turning them into assets is ``dbt.py``'s job.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headwater.errors import ConfigError, DefinitionError
from headwater.io.frames import install_hint

# Files whose change can change the manifest; dbt's own outputs are never looked at.
_SOURCE_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".csv", ".py", ".md", ".jinja"})
_SKIPPED_DIRS = frozenset({"target", "logs", "dbt_packages", "dbt_modules", "__pycache__"})
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STAMP = re.compile(r"^\d\d:\d\d:\d\d\s+")
_ERROR_TAIL = 12


@dataclass(frozen=True, kw_only=True)
class DbtInvocation:
    """What one dbt command printed and returned."""

    args: tuple[str, ...]
    returncode: int
    output: str

    @property
    def error_text(self) -> str:
        """dbt's own error message: the lines after "Encountered an error", else the last lines."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            if "Encountered an error" in line:
                return "\n".join(lines[index + 1 :]).strip() or line
        return "\n".join(lines[-_ERROR_TAIL:])


@dataclass(frozen=True, kw_only=True)
class DbtProject:
    """Where a dbt project lives and how to call dbt on it."""

    project_dir: Path
    profiles_dir: Path | None = None
    target: str | None = None

    @property
    def target_dir(self) -> Path:
        """The folder dbt writes ``manifest.json`` and ``run_results.json`` to."""
        return self.project_dir / "target"

    @property
    def manifest_path(self) -> Path:
        """``target/manifest.json``."""
        return self.target_dir / "manifest.json"

    def invoke(self, command: str, *args: str) -> DbtInvocation:
        """Run ``dbt <command> <args>`` in the project folder and return what it printed."""
        if importlib.util.find_spec("dbt") is None:
            raise ConfigError(install_hint("dbt-core", "dbt", "hw.dbt_assets"))
        argv = [command, "--project-dir", str(self.project_dir)]
        if self.profiles_dir is not None:
            argv += ["--profiles-dir", str(self.profiles_dir)]
        if self.target is not None:
            argv += ["--target", self.target]
        argv += list(args)
        env = {
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "DBT_USE_COLORS": "false",
            "DBT_VERSION_CHECK": "false",
        }
        if self.profiles_dir is None and (self.project_dir / "profiles.yml").is_file():
            env.setdefault("DBT_PROFILES_DIR", str(self.project_dir))
        proc = subprocess.run(
            [sys.executable, "-c", "from dbt.cli.main import cli; cli()", *argv],
            cwd=self.project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        output = "\n".join(_STAMP.sub("", _ANSI.sub("", line)) for line in (proc.stdout + proc.stderr).splitlines())
        return DbtInvocation(args=(command, *args), returncode=proc.returncode, output=output)

    def manifest_is_stale(self) -> bool:
        """Whether ``manifest.json`` is missing or older than a file of the project."""
        try:
            built = self.manifest_path.stat().st_mtime
        except FileNotFoundError:
            return True
        for root, dirs, files in os.walk(self.project_dir):
            dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".")]
            for name in files:
                if os.path.splitext(name)[1] in _SOURCE_SUFFIXES and os.stat(os.path.join(root, name)).st_mtime > built:
                    return True
        return False

    def load_manifest(self) -> dict[str, Any]:
        """The parsed manifest, running ``dbt parse`` first when it is missing or stale.

        Raises DefinitionError naming the project with dbt's message when the project does not parse.
        """
        if not (self.project_dir / "dbt_project.yml").is_file():
            raise DefinitionError(
                f"dbt project folder {self.project_dir} has no dbt_project.yml: "
                "give hw.dbt_assets() the folder that holds your dbt_project.yml"
            )
        if self.manifest_is_stale():
            parsed = self.invoke("parse")
            if parsed.returncode != 0 or not self.manifest_path.is_file():
                raise DefinitionError(
                    f"dbt project {self.project_dir} does not compile (dbt parse failed):\n{parsed.error_text}\n"
                    f"Fix the project; `dbt parse --project-dir {self.project_dir}` shows the same error."
                )
        try:
            with open(self.manifest_path, encoding="utf-8") as handle:
                manifest: dict[str, Any] = json.load(handle)
        except (OSError, ValueError) as exc:
            raise DefinitionError(
                f"cannot read the dbt manifest {self.manifest_path}: {exc}; delete it and load again to re-parse"
            ) from exc
        return manifest

    def select(self, select: str, exclude: str | None = None) -> frozenset[str]:
        """Unique ids of the models, seeds and snapshots ``dbt ls --select`` picks (refreshing the manifest).

        The answer is kept in ``target/headwater_selection.json`` until the manifest changes, so
        loading the same definitions again runs no dbt command.
        """
        cache_path = self.target_dir / "headwater_selection.json"
        wanted = {"select": select, "exclude": exclude}
        if not self.manifest_is_stale():
            try:
                cached = json.loads(cache_path.read_text(encoding="utf-8"))
                if cached.get("query") == wanted and cached.get("manifest") == self.manifest_path.stat().st_mtime:
                    return frozenset(cached["ids"])
            except (OSError, ValueError, KeyError, AttributeError):
                pass
        args = ["--select", *select.split(), *(["--exclude", *exclude.split()] if exclude else [])]
        args += ["--resource-type", "model", "seed", "snapshot", "--output", "json", "--output-keys", "unique_id"]
        listed = self.invoke("ls", "--quiet", *args)
        if listed.returncode != 0 or not self.manifest_path.is_file():
            raise DefinitionError(
                f"dbt project {self.project_dir} cannot list select={select!r}"
                f"{f' exclude={exclude!r}' if exclude else ''}:\n{listed.error_text}\n"
                "Fix the selection (dbt's syntax) or the project; `dbt ls --select ...` shows the same error."
            )
        ids: list[str] = []
        for line in listed.output.splitlines():
            if line.strip().startswith("{"):
                with contextlib.suppress(ValueError, KeyError):
                    ids.append(str(json.loads(line)["unique_id"]))
        record = {"query": wanted, "manifest": self.manifest_path.stat().st_mtime, "ids": sorted(ids)}
        with contextlib.suppress(OSError):
            cache_path.write_text(json.dumps(record), encoding="utf-8")
        return frozenset(ids)

    def load_catalog(self) -> Mapping[str, Any]:
        """``target/catalog.json`` (written by ``dbt docs generate``) if present: column types as built."""
        try:
            with open(self.target_dir / "catalog.json", encoding="utf-8") as handle:
                catalog: dict[str, Any] = json.load(handle)
        except (OSError, ValueError):
            return {}
        return catalog

    def profile_output(self) -> Mapping[str, Any]:
        """The profile target dbt connects with: ``profiles.yml`` rendered with ``env_var`` as dbt renders it.

        Raises ConfigError naming the file when the profile or its target is not there.
        """
        import jinja2
        import yaml

        project = yaml.safe_load((self.project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
        name = str(project.get("profile") or "")
        folder = self.profiles_dir or Path(os.environ.get("DBT_PROFILES_DIR") or self.project_dir)
        path = folder / "profiles.yml"
        if not path.is_file() and self.profiles_dir is None and "DBT_PROFILES_DIR" not in os.environ:
            path = Path.home() / ".dbt" / "profiles.yml"

        def env_var(var: str, default: str | None = None) -> str:
            value = os.environ.get(var, default)
            if value is None:
                raise ConfigError(f"{path} reads env_var('{var}'), which is not set: set it as you do for dbt")
            return value

        try:
            text = jinja2.Template(path.read_text(encoding="utf-8")).render(env_var=env_var)
        except OSError as exc:
            raise ConfigError(f"cannot read the dbt profiles of {self.project_dir} ({path}): {exc}") from exc
        profile = (yaml.safe_load(text) or {}).get(name) or {}
        target = self.target or str(profile.get("target") or "")
        output = (profile.get("outputs") or {}).get(target)
        if not isinstance(output, Mapping):
            raise ConfigError(
                f"{path} has no target {target!r} in profile {name!r} (the profile dbt_project.yml of "
                f"{self.project_dir} names): add it, or give hw.dbt_assets(target=...)"
            )
        return output

    def build(self, selectors: Sequence[str]) -> tuple[DbtInvocation, dict[str, Any] | None]:
        """``dbt build --select <selectors>``; its output and ``run_results.json`` (None if not written)."""
        return self.run_with_results("build", selectors)

    def run_with_results(self, command: str, selectors: Sequence[str]) -> tuple[DbtInvocation, dict[str, Any] | None]:
        """``dbt <command> --select <selectors>``; its output and ``run_results.json`` (None if not written)."""
        results_path = self.target_dir / "run_results.json"
        results_path.unlink(missing_ok=True)  # never mistake an earlier command's results for this one's
        invocation = self.invoke(command, "--select", *selectors)
        try:
            with open(results_path, encoding="utf-8") as handle:
                results: dict[str, Any] = json.load(handle)
        except (OSError, ValueError):
            return invocation, None
        return invocation, results
