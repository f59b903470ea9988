"""The one error tree of Headwater; every message says what, where and how to fix.

    HeadwaterError
    ├── DefinitionError        something the user declared is wrong
    │   └── CycleError         the asset graph has a cycle
    ├── SelectionError         a selection string does not parse or names nothing
    ├── ConfigError            instance or run configuration is invalid
    ├── AuthError              a user, role, password or API token is wrong
    ├── StorageError           the event log cannot be used
    │   ├── StorageUnavailableError   the database cannot be reached
    │   └── SchemaVersionError        the database schema is too old or too new
    ├── IOManagerError         a value cannot be stored or loaded
    ├── StepFailed             a user function raised (wraps it with ``from``)
    ├── RunFailed              a run ended unsuccessfully (raised on request)
    └── RunNotActive           a run's process lost its run: another process has it, or it has ended

This module imports nothing from Headwater.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


class HeadwaterError(Exception):
    """Base of every error Headwater raises on purpose."""


class DefinitionError(HeadwaterError):
    """Something declared in user code is invalid."""


class CycleError(DefinitionError):
    """The asset graph contains a cycle."""


class SelectionError(HeadwaterError):
    """A selection expression is malformed or names unknown assets."""


class ConfigError(HeadwaterError):
    """Instance configuration or run configuration is invalid."""


class AuthError(HeadwaterError):
    """A user name, role, scope, password or API token is invalid or unknown."""


class StorageError(HeadwaterError):
    """The event log storage failed."""


class StorageUnavailableError(StorageError):
    """The storage URL cannot be reached."""


class SchemaVersionError(StorageError):
    """The database schema version does not match this Headwater."""


class IOManagerError(HeadwaterError):
    """An IO manager cannot store or load a value."""


class StepFailed(HeadwaterError):
    """A step's user code raised; the original exception is ``__cause__``.

    A multi-asset that produced some outputs before failing (e.g. a dbt build where one
    model failed) raises it with ``outputs={output_name: value}``: those are stored and
    recorded, then the step fails for the rest.
    """

    def __init__(self, step_key: str, message: str, *, outputs: Mapping[str, object] | None = None) -> None:
        super().__init__(f"step '{step_key}' failed: {message}")
        self.step_key = step_key
        self.outputs: dict[str, object] = dict(outputs or {})


class RunFailed(HeadwaterError):
    """A run did not succeed."""


class RunNotActive(HeadwaterError):
    """This process may not (or may no longer) write a run's events: another process claimed it, or the
    run ended (e.g. the daemon's monitor marked it failed while this process was paused).

    ``holder`` names the process (``host:pid``) that runs it, when another one does.
    """

    def __init__(self, message: str, *, holder: str | None = None) -> None:
        super().__init__(message)
        self.holder = holder


def did_you_mean(name: str, candidates: Iterable[str], *, limit: int = 3) -> str:
    """Return ``" (did you mean 'x' or 'y'?)"`` for close matches, else ``""``."""
    matches = difflib.get_close_matches(name, list(candidates), n=limit, cutoff=0.6)
    if not matches:
        return ""
    quoted = " or ".join(repr(m) for m in matches)
    return f" (did you mean {quoted}?)"
