"""``headwater web``: serve the web UI and HTTP API with uvicorn (127.0.0.1:3000 by default)."""

from __future__ import annotations

import ipaddress
import secrets
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from headwater.cli import output
from headwater.cli.loading import location_options

if TYPE_CHECKING:
    from headwater.web.boot import LazyApp

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def web_app(
    *,
    module: str | None = None,
    file: str | None = None,
    attribute: str | None = None,
    project_dir: str | None = None,
    host: str = "127.0.0.1",
    token: str | None = None,
    on_error: Callable[[str], None] | None = None,
    on_loaded: Callable[[str], None] | None = None,
) -> LazyApp:
    """The ASGI app ``headwater web`` serves, answering ``/api/health`` before it is built.

    The project is found (``module``/``file``/``attribute``, else ``[tool.headwater]`` of
    ``project_dir``) and ``headwater.web.create_app`` builds the app in a worker thread once the
    server runs; the definitions then load in the background. A non-loopback ``host`` without a
    ``token`` serves read-only. ``on_error`` gets the message of a failed build, ``on_loaded`` the
    description of the code location once found.
    """
    from headwater.web.boot import LazyApp

    loopback = is_loopback(host)
    hosts = LOOPBACK_NAMES if loopback else None

    def build() -> object:
        from headwater.loader import find_location
        from headwater.web import create_app

        location = find_location(module=module, file=file, attribute=attribute, project_dir=project_dir)
        if on_loaded is not None:
            on_loaded(location.describe())
        return create_app(
            project_dir, location=location, token=token, writes_need_token=not loopback, allowed_hosts=hosts
        )

    return LazyApp(build, answer_early=token is None, allowed_hosts=hosts, on_error=on_error)  # type: ignore[arg-type]


@click.command("web")
@location_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--token",
    envvar="HEADWATER_WEB_TOKEN",
    metavar="SECRET",
    help="Require this access token on every request (env: HEADWATER_WEB_TOKEN); "
    "without it, a non-loopback server is read-only.",
)
@click.option("--new-token", is_flag=True, help="Generate a random access token and print the URL with it.")
def web_command(
    module: str | None,
    file: str | None,
    attribute: str | None,
    host: str,
    port: int,
    token: str | None,
    new_token: bool,
) -> None:
    """Serve the web UI: asset graph, catalog, runs with live logs, and launching materializations.

    Launches go to the run queue; while no `headwater daemon` runs, the server launches queued runs itself.
    """
    import uvicorn

    if new_token:
        token = secrets.token_urlsafe(24)
    err = output.console(stderr=True)
    server: uvicorn.Server | None = None

    def failed(message: str) -> None:
        output.error(message)
        if server is not None:
            server.should_exit = True

    def loaded(where: str) -> None:
        err.print(output.text(f"serving {where}", "dim"))

    app = web_app(
        module=module, file=file, attribute=attribute, host=host, token=token, on_error=failed, on_loaded=loaded
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if new_token else "")
    err.print(output.text(f"Headwater UI at {url} (Ctrl-C to stop)", "bold"))
    if not is_loopback(host) and token is None:
        err.print(output.text("listening beyond this machine without --token: the UI is read-only", "yellow"))
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=3
    )
    server = uvicorn.Server(config)
    server.run()
    if app.error is not None:
        sys.exit(2)
