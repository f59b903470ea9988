"""HTML pages: a small escaped shell per page; the page's script fills it from the JSON twin.

| page                | JSON twin                |
|---------------------|--------------------------|
| ``/``  (graph)      | ``/api/graph``           |
| ``/assets``         | ``/api/assets``          |
| ``/assets/{key}``   | ``/api/assets/{key}``    |
| ``/runs``           | ``/api/runs``            |
| ``/runs/{run_id}``  | ``/api/runs/{run_id}``   |
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

_NAV = (("graph", "/", "Asset graph"), ("assets", "/assets", "Catalog"), ("runs", "/runs", "Runs"))


def shell(page: str, title: str, api: str, **data: str) -> HTMLResponse:
    """The HTML of one page: navigation, a ``<main>`` carrying escaped data attributes, its script."""
    attrs = "".join(f' data-{escape(name)}="{escape(value, quote=True)}"' for name, value in data.items())
    nav = "".join(
        f'<a href="{href}"{" class=active" if name == page else ""}>{label}</a>' for name, href, label in _NAV
    )
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Headwater</title>
<link rel="stylesheet" href="/static/app.css?v={__version__}">
<link rel="icon" href="data:,">
</head>
<body>
<header class="top"><a class="brand" href="/">Headwater</a><nav>{nav}</nav>
<a class="api" href="{escape(api, quote=True)}" title="This page as JSON">JSON</a></header>
<main id="app" data-page="{page}" data-api="{escape(api, quote=True)}"{attrs}><p class="muted">Loading…</p></main>
<script src="/static/common.js?v={__version__}"></script>
<script src="/static/{page}.js?v={__version__}"></script>
</body>
</html>
"""
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/", response_class=HTMLResponse)
def graph_page() -> HTMLResponse:
    """The asset graph."""
    return shell("graph", "Asset graph", "/api/graph")


@router.get("/assets", response_class=HTMLResponse)
def catalog_page() -> HTMLResponse:
    """The asset catalog table."""
    return shell("assets", "Catalog", "/api/assets")


@router.get("/assets/{key:path}", response_class=HTMLResponse)
def asset_page(key: str) -> HTMLResponse:
    """One asset."""
    return shell("asset", key, f"/api/assets/{key}", key=key)


@router.get("/runs", response_class=HTMLResponse)
def runs_page() -> HTMLResponse:
    """The runs list."""
    return shell("runs", "Runs", "/api/runs")


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str) -> HTMLResponse:
    """One run with its live event log."""
    return shell("run", f"Run {run_id[:8]}", f"/api/runs/{run_id}", run=run_id)
