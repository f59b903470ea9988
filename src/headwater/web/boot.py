"""A server that answers at once: the web app is imported and built in the background.

``LazyApp`` is a plain ASGI callable that imports nothing heavy. While FastAPI, SQLAlchemy and the
event log are loaded in a worker thread (and then the user's definitions, by the app itself), it
answers ``GET /api/health`` with ``"ready": false``; every other request waits for the app and is
then served by it. A failed build answers 503 with its error and is reported to ``on_error``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from headwater import __version__

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_allowed(host_header: str, allowed: Sequence[str] | None) -> bool:
    """Whether a Host header (with or without port) names one of ``allowed`` (None allows any)."""
    if allowed is None:
        return True
    return host_header.rsplit(":", 1)[0].strip("[]") in allowed


class LazyApp:
    """Serves health at once and everything else once ``build()`` returned the real app.

    Args:
        build: makes the real ASGI app (runs in a worker thread).
        answer_early: answer ``/api/health`` before the app is ready (off when a token is needed).
        allowed_hosts: Host names accepted by that early answer (as the app's own check).
        on_error: called with the message when ``build`` raised.
    """

    def __init__(
        self,
        build: Callable[[], ASGIApp],
        *,
        answer_early: bool = True,
        allowed_hosts: Sequence[str] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._build = build
        self._answer_early = answer_early
        self._allowed_hosts = allowed_hosts
        self._on_error = on_error
        self.app: ASGIApp | None = None
        self.error: str | None = None
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._inner: tuple[asyncio.Queue[Message], asyncio.Queue[Message]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        ready = self._start()
        if self.app is None and self.error is None:
            if scope["type"] == "http" and self._early(scope):
                await _json(send, 200, {"status": "ok", "version": __version__, "ready": False})
                return
            await ready.wait()
        if self.app is None:
            if scope["type"] == "http":
                await _json(send, 503, {"error": f"the Headwater web server could not start: {self.error}"})
            return
        await self.app(scope, receive, send)

    def _early(self, scope: Scope) -> bool:
        if not self._answer_early or scope["path"] != "/api/health" or scope["method"] not in ("GET", "HEAD"):
            return False
        headers = dict(scope.get("headers") or [])
        return host_allowed(headers.get(b"host", b"").decode("latin-1"), self._allowed_hosts)

    def _start(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._prepare(self._ready))
        return self._ready

    async def _prepare(self, ready: asyncio.Event) -> None:
        try:
            app = await asyncio.get_running_loop().run_in_executor(None, self._build)
            self._inner = (asyncio.Queue(), asyncio.Queue())
            to_app, from_app = self._inner
            await to_app.put({"type": "lifespan.startup"})
            scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}

            async def run_lifespan() -> None:
                await app(scope, to_app.get, from_app.put)

            asyncio.get_running_loop().create_task(run_lifespan())
            answer = await from_app.get()
            if answer["type"] != "lifespan.startup.complete":
                raise RuntimeError(str(answer.get("message") or "the app failed to start"))
            self.app = app
        except Exception as exc:  # reported to every request and to on_error
            self.error = str(exc) or type(exc).__name__
            if self._on_error is not None:
                self._on_error(self.error)
        finally:
            ready.set()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._task is not None:
                    await self._task
                if self._inner is not None and self.app is not None:
                    to_app, from_app = self._inner
                    await to_app.put({"type": "lifespan.shutdown"})
                    await from_app.get()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
