"""Capture a step's stdout and stderr into its log buffer.

A process-wide stream router sends writes to the buffer of the step running in
the current thread (a context variable) and everything else to the real stream.
"""

from __future__ import annotations

import contextvars
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_buffer: contextvars.ContextVar[io.StringIO | None] = contextvars.ContextVar("headwater_step_log", default=None)


class _Router(io.TextIOBase):
    """A text stream that writes to the current step's buffer, else to ``fallback``."""

    def __init__(self, fallback: TextIO) -> None:
        self.fallback = fallback

    def write(self, text: str) -> int:
        buffer = _buffer.get()
        if buffer is None:
            return self.fallback.write(text)
        return buffer.write(text)

    def flush(self) -> None:
        if _buffer.get() is None:
            self.fallback.flush()

    def isatty(self) -> bool:
        return False


def install() -> None:
    """Route sys.stdout and sys.stderr through the step router (idempotent)."""
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router(sys.stdout)
    if not isinstance(sys.stderr, _Router):
        sys.stderr = _Router(sys.stderr)


def uninstall() -> None:
    """Put the original streams back."""
    if isinstance(sys.stdout, _Router):
        sys.stdout = sys.stdout.fallback
    if isinstance(sys.stderr, _Router):
        sys.stderr = sys.stderr.fallback


@contextmanager
def routed() -> Iterator[None]:
    """Install the router for the duration of a run, restoring the streams after."""
    already = isinstance(sys.stdout, _Router)
    install()
    try:
        yield
    finally:
        if not already:
            uninstall()


@contextmanager
def capture(buffer: io.StringIO) -> Iterator[None]:
    """Send this thread's stdout/stderr writes to ``buffer`` while the block runs."""
    token = _buffer.set(buffer)
    try:
        yield
    finally:
        _buffer.reset(token)
