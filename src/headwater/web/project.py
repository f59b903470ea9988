"""The user's definitions as the web process sees them: loaded through ``headwater.loader``,
reloaded when a source file of the project changes (a cheap mtime check per request). After a
failed load it keeps watching what it watched, and the files the error names, so fixing the
broken file reloads it.

Never runs an asset: importing the definitions is the only user code executed here.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from headwater.definitions import CodeLocation, Definitions
from headwater.errors import HeadwaterError
from headwater.graph import AssetGraph
from headwater.loader import load_definitions


@dataclass(frozen=True, kw_only=True, slots=True)
class Loaded:
    """One successfully loaded version of the definitions."""

    version: int
    defs: Definitions
    graph: AssetGraph


class ProjectUnavailable(HeadwaterError):
    """The definitions could not be loaded (the message says why and where)."""


class Project:
    """Loads and reloads one code location; thread-safe."""

    def __init__(self, location: CodeLocation) -> None:
        self.location = location
        self.error: str | None = None
        """The last load error, or None when the current version loaded cleanly."""
        self._lock = threading.Lock()
        self._loaded: Loaded | None = None
        self._mtimes: dict[str, float] = {}
        self._modules: list[str] = []
        self._version = 0

    def current(self) -> Loaded:
        """The loaded definitions, reloaded first if a project file changed.

        Raises:
            ProjectUnavailable: they never loaded (a reload error keeps the last good version).
        """
        with self._lock:
            if self._loaded is None or self._changed():
                self._load()
            if self._loaded is None:
                raise ProjectUnavailable(
                    self.error
                    or f"cannot load definitions from {self.location.describe()}: importing them raised an error "
                    "without a message; import the module in Python to see its traceback"
                )
            return self._loaded

    def _changed(self) -> bool:
        for path, mtime in self._mtimes.items():
            try:
                if os.stat(path).st_mtime != mtime:
                    return True
            except OSError:
                return True
        return False

    def _load(self) -> None:
        # A fresh import each time: the first load too, in case the project was imported before.
        for name in self._modules or self._project_modules():
            sys.modules.pop(name, None)
        importlib.invalidate_caches()  # a module file added since the last import is found
        try:
            defs = load_definitions(self.location)
            graph = AssetGraph.from_definitions(defs)
        except Exception as exc:
            message = str(exc) if isinstance(exc, HeadwaterError) else "".join(traceback.format_exception_only(exc))
            self.error = message.strip()
            self._watch(failed=exc)
            return
        self.error = None
        self._version += 1
        self._loaded = Loaded(version=self._version, defs=defs, graph=graph)
        self._watch()

    def _project_modules(self) -> dict[str, str]:
        """Imported modules of the project itself (not installed packages, not Headwater) -> path."""
        root = self._root()
        found: dict[str, str] = {}
        for name, module in list(sys.modules.items()):
            path = getattr(module, "__file__", None)
            if not path or name == "headwater" or name.startswith("headwater."):
                continue
            if "site-packages" not in path and _inside(path, root):
                found[name] = path
        return found

    def _watch(self, *, failed: BaseException | None = None) -> None:
        """Remember the mtimes of the project's modules and definitions file. After a failure the
        module that failed is no longer imported: what was watched stays watched, with the project's
        files the error names (a syntax error's file, the frames of its traceback)."""
        modules = self._project_modules()
        watched = {path: _mtime(path) for path in modules.values()}
        if self.location.file:
            watched[self.location.file] = _mtime(self.location.file)
        if failed is not None:
            for path in [*self._mtimes, *_error_files(failed, self._root())]:
                watched.setdefault(path, _mtime(path))
        self._modules = list(modules)
        self._mtimes = watched

    def _root(self) -> Path:
        return Path(self.location.working_dir or os.getcwd()).resolve()


def _error_files(exc: BaseException, root: Path) -> list[str]:
    """The files of the project under ``root`` that ``exc`` (and the errors it came from) point at."""
    found: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, SyntaxError) and current.filename:
            found.append(current.filename)
        found.extend(frame.filename for frame in traceback.extract_tb(current.__traceback__))
        current = current.__cause__ or current.__context__
    return [
        path
        for path in dict.fromkeys(found)
        if not path.startswith("<") and "site-packages" not in path and _inside(path, root)
    ]


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return -1.0


def _inside(path: str, root: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(root)
    except OSError:
        return False
