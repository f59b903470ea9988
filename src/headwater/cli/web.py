"""``headwater web``: serve the web UI and HTTP API with uvicorn (127.0.0.1:3000 by default)."""

from __future__ import annotations

import ipaddress
import secrets

import click

from headwater.cli import output
from headwater.cli.loading import location_options

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    """Serve the web UI: asset graph, catalog, runs with live logs, and launching materializations."""
    import uvicorn

    from headwater.loader import find_location
    from headwater.web import create_app

    if new_token:
        token = secrets.token_urlsafe(24)
    loopback = is_loopback(host)
    location = find_location(module=module, file=file, attribute=attribute)
    app = create_app(
        location=location,
        token=token,
        writes_need_token=not loopback,
        allowed_hosts=LOOPBACK_NAMES if loopback else None,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if new_token else "")
    output.console(stderr=True).print(
        output.text(f"Headwater UI for {location.describe()} at {url} (Ctrl-C to stop)", "bold")
    )
    if not loopback and token is None:
        output.console(stderr=True).print(
            output.text("listening beyond this machine without --token: the UI is read-only", "yellow")
        )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
