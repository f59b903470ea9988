"""Sign-in sessions and the brake on guessing passwords.

A session lives in this process's memory (a restart signs everyone out); its cookie carries a random
id and an HMAC of it under a key made at start, so a forged or altered cookie is refused before any
lookup. Each session has its own CSRF token. Signing in always makes a new session (the id a
browser held before is dropped), so an id planted before sign-in never becomes a signed-in one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

SESSION_COOKIE: Final = "headwater_session"
SESSION_HOURS: Final = 12.0
MAX_FAILURES: Final = 5
"""Failed sign-ins allowed per user name and per address within ``FAILURE_WINDOW``."""
FAILURE_WINDOW: Final = 15 * 60.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Session:
    """One signed-in browser."""

    session_id: str
    user: str
    csrf: str
    expires_at: float


class SessionStore:
    """The sessions of one app; thread-safe."""

    def __init__(self, *, hours: float = SESSION_HOURS, clock: Callable[[], float] = time.time) -> None:
        self._key = secrets.token_bytes(32)
        self._seconds = hours * 3600
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _sign(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()

    def create(self, user: str) -> tuple[str, Session]:
        """A new session of ``user``: the cookie value and the session."""
        session = Session(
            session_id=secrets.token_urlsafe(32),
            user=user,
            csrf=secrets.token_urlsafe(24),
            expires_at=self._clock() + self._seconds,
        )
        with self._lock:
            self._sessions[session.session_id] = session
        return f"{session.session_id}.{self._sign(session.session_id)}", session

    def get(self, cookie: str) -> Session | None:
        """The live session a cookie names, or None (unsigned, unknown or expired)."""
        session_id, _, signature = cookie.rpartition(".")
        if not session_id or not hmac.compare_digest(signature, self._sign(session_id)):
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and session.expires_at <= self._clock():
                del self._sessions[session_id]
                return None
        return session

    def drop(self, cookie: str) -> None:
        """End the session a cookie names (nothing when there is none)."""
        session = self.get(cookie)
        if session is not None:
            with self._lock:
                self._sessions.pop(session.session_id, None)

    def drop_user(self, user: str) -> None:
        """End every session of ``user`` (removed, or given another role)."""
        with self._lock:
            for session_id in [s.session_id for s in self._sessions.values() if s.user == user]:
                del self._sessions[session_id]


@dataclass(kw_only=True)
class _Failures:
    times: list[float] = field(default_factory=list)


class LoginLimiter:
    """Counts failed sign-ins per user name and per client address; after ``MAX_FAILURES`` within
    ``FAILURE_WINDOW`` either is refused until the oldest failure leaves the window."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        entry = self._failures.get(key)
        if entry is None:
            return []
        entry.times = [t for t in entry.times if t > now - FAILURE_WINDOW]
        return entry.times

    def wait(self, name: str, address: str) -> float | None:
        """Seconds until ``name`` may try again from ``address``, or None when it may now."""
        now = self._clock()
        with self._lock:
            waits = [
                times[0] + FAILURE_WINDOW - now
                for key in (f"user:{name}", f"addr:{address}")
                if len(times := self._recent(key, now)) >= MAX_FAILURES
            ]
        return max(waits) if waits else None

    def failed(self, name: str, address: str) -> None:
        """Count a failed sign-in."""
        now = self._clock()
        with self._lock:
            for key in (f"user:{name}", f"addr:{address}"):
                self._failures.setdefault(key, _Failures()).times.append(now)

    def succeeded(self, name: str) -> None:
        """Forget the user name's failures (the address keeps its count)."""
        with self._lock:
            self._failures.pop(f"user:{name}", None)
