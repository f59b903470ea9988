"""Real servers on 127.0.0.1 for the alert tests: an HTTP server recording POSTs (answering 500 while
told to fail) and an SMTP server (aiosmtpd) recording mail, optionally asking for a login."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


class Receiver(ThreadingHTTPServer):
    """Every POST as (path, headers, JSON body); answers 500 while ``failing`` is above 0 (counting down)."""

    posts: list[tuple[str, dict[str, str], Any]]
    failing: int

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.failing > 0:
            self.server.failing -= 1
            self.send_response(500)
            self.end_headers()
            return
        self.server.posts.append((self.path, dict(self.headers), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # keep the test output quiet
        pass


@contextmanager
def http_receiver(port: int = 0) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 (``port`` 0: any free one), stopped on exit."""
    server = Receiver(("127.0.0.1", port), _Handler)
    server.posts = []
    server.failing = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 and localhost (cert.pem, key.pem) made by the openssl command in ``folder``."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a certificate for the SMTP server")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder


class Mailbox:
    """What the SMTP server received, and who logged in."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], Message]] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.mails.append(
            (str(envelope.mail_from), list(envelope.rcpt_tos), message_from_bytes(content, policy=policy.default))
        )
        return "250 OK"


@contextmanager
def smtp_server(
    *, login: tuple[str, str] | None = None, port: int | None = None, tls: Path | None = None
) -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on 127.0.0.1 (on ``port``, else a free one), stopped on exit. With ``tls`` (a folder
    from ``self_signed``) it requires STARTTLS; with ``login`` (and ``tls``) that user and password."""
    box = Mailbox()

    def authenticate(server: object, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> Any:
        ok = isinstance(auth_data, LoginPassword) and login is not None
        ok = ok and (auth_data.login.decode(), auth_data.password.decode()) == login
        if ok:
            box.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    extra: dict[str, Any] = {}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls / "cert.pem", tls / "key.pem")
        extra = {"tls_context": context, "require_starttls": True}
    if login is not None:
        extra |= {"authenticator": authenticate, "auth_required": True}
    port = port or free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
