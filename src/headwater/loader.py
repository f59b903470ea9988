"""Load a user's ``Definitions`` from a module, a file, or ``[tool.headwater]``.

The only place that imports user code by location; storage and the web
process never import it. Errors name the location and what to change.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import sysconfig
import tomllib
import traceback
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from headwater.definitions import CodeLocation, Definitions
from headwater.errors import DefinitionError
from headwater.gcpause import gc_paused


def find_location(
    *,
    module: str | None = None,
    file: str | os.PathLike[str] | None = None,
    attribute: str | None = None,
    project_dir: str | os.PathLike[str] | None = None,
) -> CodeLocation:
    """Decide where to load from: ``module``, ``file``, or ``[tool.headwater]`` in pyproject.toml."""
    root = Path(project_dir or os.getcwd()).resolve()
    if module and file:
        raise DefinitionError("give either a module (-m) or a file (-f), not both")
    if module:
        return CodeLocation(module=module, attribute=attribute or "defs", working_dir=str(root))
    if file:
        path = Path(file)
        path = (path if path.is_absolute() else root / path).resolve()
        return CodeLocation(file=str(path), attribute=attribute or "defs", working_dir=str(root))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("headwater", {})
        except tomllib.TOMLDecodeError as exc:
            raise DefinitionError(f"{pyproject} is not valid TOML: {exc}") from exc
        if table.get("module") or table.get("file"):
            return find_location(
                module=table.get("module"),
                file=table.get("file"),
                attribute=attribute or table.get("attribute"),
                project_dir=root,
            )
    raise DefinitionError(
        f"no definitions to load in {root}: pass -m package.module or -f path/to/defs.py, "
        'or add [tool.headwater] module = "package.module" to pyproject.toml'
    )


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise DefinitionError(f"definitions file {path} does not exist: check the -f path")
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"headwater_user_{path.stem}_{digest}"
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise DefinitionError(f"cannot import {path}: is it a Python file? give -f (file=) the path of a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _definitions_in(module: ModuleType, attribute: str, where: str) -> Definitions:
    value = getattr(module, attribute, None)
    if value is None:
        found = [n for n, v in vars(module).items() if isinstance(v, Definitions)]
        if len(found) == 1:
            value = getattr(module, found[0])
        else:
            hint = f"it has Definitions named {', '.join(found)}" if found else "it has no hw.Definitions"
            raise DefinitionError(
                f"{where} has no attribute '{attribute}' ({hint}): add `defs = hw.Definitions(...)` "
                "or pass the attribute name"
            )
    if callable(value) and not isinstance(value, Definitions):
        value = value()
    if not isinstance(value, Definitions):
        raise DefinitionError(
            f"{where} attribute '{attribute}' is {type(value).__name__}, not hw.Definitions: set it to "
            "hw.Definitions(...) (or a function returning one), or pass the name of the attribute that is"
        )
    return value


def _import(location: CodeLocation) -> Any:
    if location.module:
        return importlib.import_module(location.module)
    if location.file:
        return _import_file(Path(location.file))
    raise DefinitionError(
        "a code location needs a module or a file: build it with hw.find_location(module=...) or "
        "hw.find_location(file=...)"
    )


# Folders of Python's and installed packages' code (Headwater's included): a frame there is not the user's.
_LIBRARIES = tuple(
    {str(Path(p).resolve()) + os.sep for p in (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"])}
    | {str(Path(sysconfig.get_paths()["platlib"]).resolve()) + os.sep, str(Path(__file__).parent) + os.sep}
)


def _raised_at(exc: Exception) -> str:
    """`` (raised at file:line, in function)``: the innermost frame of the user's code, else the innermost one."""
    if isinstance(exc, SyntaxError):
        return f" (at {exc.filename}:{exc.lineno}); fix the code there" if exc.filename and exc.lineno else ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    if not frames:
        return ""
    own = [f for f in frames if not str(Path(f.filename).resolve()).startswith(_LIBRARIES)]
    frame = (own or frames)[-1]
    return f" (raised at {frame.filename}:{frame.lineno}, in {frame.name}); fix the code there"


def load_definitions(location: CodeLocation) -> Definitions:
    """Import the user's code and return its Definitions, remembering the location."""
    if location.working_dir and location.working_dir not in sys.path:
        sys.path.insert(0, location.working_dir)
    where = location.describe()
    try:
        with gc_paused():  # decorators build many small objects: see headwater.gcpause
            module = _import(location)
    except DefinitionError:
        raise
    except ModuleNotFoundError as exc:
        raise DefinitionError(
            f"cannot import {where}: {exc}; run from the project folder or install the package"
        ) from exc
    except Exception as exc:
        raise DefinitionError(
            f"error while loading definitions from {where}: {type(exc).__name__}: {exc}{_raised_at(exc)}"
        ) from exc
    defs = _definitions_in(module, location.attribute, where)
    return defs if defs.location == location else replace(defs, location=location)
