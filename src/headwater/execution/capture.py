"""Capture a step's stdout and stderr into its log buffer.

A process-wide stream router sends writes to the buffer of the step running in
the current thread (a context variable) and everything else to the real stream.
A step's buffer is live: the run's event writer takes what was written so far while
the step runs (``take_live``), so the log is readable before the step ends.
"""

from __future__ import annotations

import contextvars
import io
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_buffer: contextvars.ContextVar[io.StringIO | None] = contextvars.ContextVar("headwater_step_log", default=None)


class LiveBuffer(io.StringIO):
    """A step's log buffer whose text can be taken in pieces while the step still writes to it."""

    def __init__(self, run_id: str, step_key: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.step_key = step_key
        self._lock = threading.Lock()
        self._taken = 0
        self._done = False

    def write(self, text: str) -> int:
        with self._lock:
            return super().write(text)

    def take(self) -> str:
        """The text written since the last take ("" once the step finished)."""
        with self._lock:
            if self._done:
                return ""
            text = self.getvalue()[self._taken :]
            self._taken += len(text)
            return text

    def finish(self) -> str:
        """End the buffer: the text not taken yet, which the step's outcome carries."""
        with self._lock:
            self._done = True
            text = self.getvalue()[self._taken :]
        with _live_lock:
            _live.get(self.run_id, {}).pop(self.step_key, None)
        return text


_live: dict[str, dict[str, LiveBuffer]] = {}
_live_lock = threading.Lock()


def live_buffer(run_id: str, step_key: str) -> LiveBuffer:
    """A log buffer for a step of ``run_id`` that ``take_live`` reads until its ``finish``."""
    buffer = LiveBuffer(run_id, step_key)
    with _live_lock:
        _live.setdefault(run_id, {})[step_key] = buffer
    return buffer


def take_live(run_id: str) -> list[tuple[str, str]]:
    """(step key, text) written by the running steps of ``run_id`` in this process since the last take."""
    with _live_lock:
        buffers = list(_live.get(run_id, {}).values())
    return [(buffer.step_key, text) for buffer in buffers if (text := buffer.take())]


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
