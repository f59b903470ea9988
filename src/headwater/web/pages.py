"""HTML pages: a small escaped shell per page; the page's script fills it from the JSON twin.

| page                | JSON twin                |
|---------------------|--------------------------|
| ``/``  (graph)      | ``/api/graph``           |
| ``/assets``         | ``/api/assets``          |
| ``/assets/{key}``   | ``/api/assets/{key}``    |
| ``/runs``           | ``/api/runs``            |
| ``/runs/{run_id}``  | ``/api/runs/{run_id}``   |
| ``/launch``         | ``/api/launch/check``    |
| ``/backfills``      | ``/api/backfills``       |
| ``/backfills/{id}`` | ``/api/backfills/{id}``  |
| ``/automation``     | ``/api/automation``      |
| ``/jobs``           | ``/api/jobs``            |

The asset page (tabs in ``?tab=``) also reads ``/api/assets/{key}/columns`` (column lineage),
``/api/assets/{key}/history`` (paged), ``/api/diff/{key}`` and ``/api/automation/why/{key}``.
Every page polls ``/api/changes`` and shows the definitions' load error above its content.
"""

from __future__ import annotations

from html import escape
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

try:
    __version__ = version("headwater")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "dev"

router = APIRouter(include_in_schema=False)

_NAV = (
    ("graph", "/", "Asset graph"),
    ("assets", "/assets", "Catalog"),
    ("runs", "/runs", "Runs"),
    ("backfills", "/backfills", "Backfills"),
    ("automation", "/automation", "Automation"),
    ("jobs", "/jobs", "Jobs"),
    ("launch", "/launch", "Launch"),
)
_SECTIONS = {"asset": "assets", "run": "runs", "backfill": "backfills"}
_EXTRA = {"graph": ("graph_tree.js",), "asset": ("staged.js",)}
"""Scripts a page loads before its own, besides common.js, pick.js (the partition picker) and
palette.js (the Ctrl-K search) that every page loads."""


def _preload(page: str, api: str) -> str:
    """The graph page fetches its data while its scripts load."""
    if page != "graph":
        return ""
    return f'\n<link rel="preload" href="{escape(api, quote=True)}" as="fetch" crossorigin="anonymous">'


def shell(page: str, title: str, api: str, **data: str) -> HTMLResponse:
    """The HTML of one page: navigation, a ``<main>`` carrying escaped data attributes, its script."""
    attrs = "".join(f' data-{escape(name)}="{escape(value, quote=True)}"' for name, value in data.items())
    nav = "".join(
        f'<a href="{href}"{" class=active" if name == _SECTIONS.get(page, page) else ""}>{label}</a>'
        for name, href, label in _NAV
    )
    names = ("pick.js", "palette.js", *_EXTRA.get(page, ()))
    scripts = "".join(f'<script src="/static/{name}?v={__version__}"></script>\n' for name in names)
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Headwater</title>
<link rel="stylesheet" href="/static/app.css?v={__version__}">
<link rel="icon" href="data:,">{_preload(page, api)}
</head>
<body>
<header class="top"><a class="brand" href="/">Headwater</a><nav>{nav}</nav>
<a class="api" href="{escape(api, quote=True)}" title="This page as JSON">JSON</a></header>
<div id="load-error" role="alert" hidden></div>
<main id="app" data-page="{page}" data-api="{escape(api, quote=True)}"{attrs}><p class="muted">Loading…</p></main>
<script src="/static/common.js?v={__version__}"></script>
{scripts}<script src="/static/{page}.js?v={__version__}"></script>
</body>
</html>
"""
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


_LISTS = (
    ("/", "graph", "Asset graph", "/api/graph"),
    ("/assets", "assets", "Catalog", "/api/assets"),
    ("/runs", "runs", "Runs", "/api/runs"),
    ("/backfills", "backfills", "Backfills", "/api/backfills"),
    ("/automation", "automation", "Automation", "/api/automation"),
    ("/jobs", "jobs", "Jobs", "/api/jobs"),
    ("/launch", "launch", "Launch", "/api/openapi.json"),
)
"""Pages without a parameter: path, script, title, JSON twin."""


def _list_page(path: str, page: str, title: str, api: str) -> None:
    def handler() -> HTMLResponse:
        return shell(page, title, api)

    router.add_api_route(path, handler, response_class=HTMLResponse, name=page)


for _path, _page, _title, _api in _LISTS:
    _list_page(_path, _page, _title, _api)


@router.get("/assets/{key:path}", response_class=HTMLResponse)
def asset_page(key: str) -> HTMLResponse:
    """One asset."""
    return shell("asset", key, f"/api/assets/{key}", key=key)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str) -> HTMLResponse:
    """One run with its live event log."""
    return shell("run", f"Run {run_id[:8]}", f"/api/runs/{run_id}", run=run_id)


@router.get("/backfills/{backfill_id}", response_class=HTMLResponse)
def backfill_page(backfill_id: str) -> HTMLResponse:
    """One backfill with per-partition progress."""
    return shell("backfill", f"Backfill {backfill_id[:8]}", f"/api/backfills/{backfill_id}", backfill=backfill_id)
