"""Printing for the CLI: Rich consoles and tables, JSON on stdout, and short forms of times and metadata.

Rich is imported inside the functions so that ``headwater --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

_PIPE_WIDTH = 160


def console(*, stderr: bool = False) -> Console:
    """A Rich console on the current stdout (or stderr); wide when the output is not a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or "COLUMNS" in os.environ else _PIPE_WIDTH
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def error(message: str) -> None:
    """Print ``error: <message>`` in red on stderr (the message is not read as markup)."""
    from rich.text import Text

    console(stderr=True).print(Text(f"error: {message}", style="bold red"))


def table(*columns: str, title: str | None = None) -> Table:
    """A Rich table with these column headers."""
    from rich.table import Table

    grid = Table(title=title, title_justify="left", header_style="bold")
    for name in columns:
        grid.add_column(name, overflow="fold")
    return grid


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout (and nothing else)."""
    click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def text(value: str, style: str | None = None) -> Any:
    """A Rich Text, so user strings such as ``[tool.headwater]`` are not read as markup."""
    from rich.text import Text

    return Text(value, style=style or "")


def short_id(run_id: str | None) -> str:
    """The first 8 characters of a run id (enough to type it back as a prefix)."""
    return (run_id or "")[:8]


def when(timestamp: float | None) -> str:
    """A local time ``YYYY-MM-DD HH:MM:SS``, or ``-``."""
    if timestamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def duration(seconds: float | None) -> str:
    """``0.12s``, ``4.5s``, ``3m05s`` or ``-``."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def short_metadata(metadata: Mapping[str, Any] | None, *, limit: int = 60) -> str:
    """``rows=3, path=/tmp/x`` cut to ``limit`` characters."""
    if not metadata:
        return ""
    line = ", ".join(f"{k}={_scalar(v)}" for k, v in metadata.items())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if 1 <= abs(value) < 1e12 else f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def joined(values: Iterable[Any], empty: str = "-") -> str:
    """Values joined by ``, ``, or ``empty``."""
    items = [str(v) for v in values]
    return ", ".join(items) if items else empty


def key_value_lines(pairs: Sequence[tuple[str, str]]) -> Table:
    """A borderless two-column table of ``label: value`` lines."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for label, value in pairs:
        grid.add_row(label, text(value))
    return grid


def add_row(grid: Table, *values: str, style: str | None = None) -> None:
    """Add a row of plain strings (never read as markup)."""
    grid.add_row(*(text(v) for v in values), style=style)


STATUS_STYLES: Mapping[str, str] = {
    "materialized": "green",
    "succeeded": "green",
    "unchanged": "green",
    "failed": "red",
    "skipped": "yellow",
    "canceled": "yellow",
    "started": "cyan",
    "running": "cyan",
    "queued": "dim",
    "not run": "dim",
    "check_failed": "red",
    "overdue": "red",
    "stale": "yellow",
    "in_progress": "cyan",
    "missing": "dim",
}
"""Colour of a run, step or partition status."""


def progress_bar(label: str) -> Any:
    """A transient Rich progress bar on stderr: label, bar, done/total, elapsed, description."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
