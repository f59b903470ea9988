"""Shared ``-m/-f/-a`` options and loading a project's Definitions through ``headwater.loader``.

Without ``-m`` or ``-f`` the loader reads ``[tool.headwater]`` from ``./pyproject.toml``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from headwater.definitions import Definitions

F = TypeVar("F", bound=Callable[..., Any])


def location_options(fn: F) -> F:
    """Add ``-m/--module``, ``-f/--file`` and ``-a/--attribute`` to a command."""
    fn = click.option(
        "-a",
        "--attribute",
        metavar="ATTR",
        help="Name of the hw.Definitions in the module or file (default: defs).",
    )(fn)
    fn = click.option(
        "-f",
        "--file",
        "file",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Python file that defines the assets.",
    )(fn)
    fn = click.option(
        "-m",
        "--module",
        metavar="MODULE",
        help="Python module that defines the assets (default: [tool.headwater] in ./pyproject.toml).",
    )(fn)
    return fn


def load(module: str | None, file: str | None, attribute: str | None) -> Definitions:
    """The Definitions at ``-m``/``-f`` (or ``[tool.headwater]``); raises DefinitionError."""
    from headwater.loader import find_location, load_definitions

    return load_definitions(find_location(module=module, file=file, attribute=attribute))
