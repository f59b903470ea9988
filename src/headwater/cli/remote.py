"""Talking to a running ``headwater web`` from the CLI (``headwater report --url``): JSON over HTTP
with the standard library, a personal API token as the bearer, or the CSRF double submit for a
server on this machine that asks for no sign-in."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import quote, urlsplit

from headwater.errors import ConfigError

TIMEOUT = 30.0
CSRF_COOKIE = "headwater_csrf"
CSRF_HEADER = "X-Headwater-CSRF"


class RemoteError(ConfigError):
    """The server refused the request, or could not be reached (the message says which and why)."""


def post_json(base_url: str, path: str, body: dict[str, Any], *, token: str | None) -> dict[str, Any]:
    """POST ``body`` to ``base_url`` + ``path`` and return the JSON answer; RemoteError otherwise."""
    base = _base(base_url)
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    else:  # no token: take a CSRF cookie first, as a browser does
        _send(opener, urllib.request.Request(base + "/api/csrf", headers={"Accept": "application/json"}), base)
        csrf = next((c.value for c in jar if c.name == CSRF_COOKIE), None)
        if csrf:
            headers[CSRF_HEADER] = csrf
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    return _send(opener, request, base)


def asset_path(key: str, action: str) -> str:
    """``/api/assets/KEY/ACTION`` with the key's parts quoted."""
    return "/api/assets/" + "/".join(quote(part, safe="") for part in key.split("/")) + "/" + action


def _base(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise RemoteError(
            f"--url {url!r} is not the address of a Headwater server: give e.g. --url http://127.0.0.1:3000"
        )
    return url.rstrip("/")


def _send(opener: urllib.request.OpenerDirector, request: urllib.request.Request, base: str) -> dict[str, Any]:
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            found = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise RemoteError(
            f"{base} answered {exc.code} to {request.get_method()} {request.full_url}: {_why(exc)}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RemoteError(
            f"cannot reach the Headwater server at {base} ({reason}): start it with `headwater web`, or fix --url"
        ) from None
    except ValueError:
        raise RemoteError(f"{base} did not answer JSON to {request.full_url}: is it a Headwater server?") from None
    return found if isinstance(found, dict) else {"answer": found}


def _why(exc: urllib.error.HTTPError) -> str:
    text = exc.read().decode(errors="replace")
    try:
        found = json.loads(text)
    except ValueError:
        return text[:500] or exc.reason
    if isinstance(found, dict):
        detail = found.get("error") or found.get("detail") or found
        return detail if isinstance(detail, str) else json.dumps(detail)[:500]
    return text[:500]
