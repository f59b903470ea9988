"""``create_app``: the FastAPI application of the web UI, its error handling and lifespan."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from headwater.definitions import CodeLocation
from headwater.errors import HeadwaterError, SelectionError, StorageError
from headwater.instance.config import InstanceConfig, load_config
from headwater.loader import find_location
from headwater.storage import Storage
from headwater.web import (
    api_assets,
    api_automation,
    api_backfills,
    api_history,
    api_jobs,
    api_launch,
    api_live,
    api_report,
    api_runs,
    api_search,
    api_staged,
    api_users,
    oidc,
    pages,
)
from headwater.web.auth import Forbidden
from headwater.web.launch import LaunchNotFound
from headwater.web.project import ProjectUnavailable
from headwater.web.security import BodyLimit, Security
from headwater.web.state import NotFound, WebState

STATIC = Path(__file__).parent / "static"
_KEYED = ("/api/assets/", "/api/lineage/", "/api/diff/", "/api/backfills/", "/api/automation/why/")
"""Paths naming a thing by key or id: an unknown one is a 404."""


def create_app(
    project_dir: str | os.PathLike[str] | None = None,
    *,
    location: CodeLocation | None = None,
    module: str | None = None,
    file: str | os.PathLike[str] | None = None,
    attribute: str | None = None,
    config: InstanceConfig | None = None,
    token: str | None = None,
    writes_need_token: bool = False,
    allowed_hosts: Sequence[str] | None = None,
    warm: bool = True,
) -> FastAPI:
    """The web UI and HTTP API for one project; while no daemon runs, it also launches queued runs
    (see ``headwater.web.queue_launcher``).

    Args:
        project_dir: the project folder (default: the current directory); its ``headwater.toml``
            and ``[tool.headwater]`` are read unless ``config``/``location`` are given.
        location: where the definitions are; else ``module``/``file``/``attribute`` or pyproject.
        config: the instance configuration (storage URL); else read for ``project_dir``.
        token: when set, every request needs it (see ``headwater.web.security``).
        writes_need_token: refuse state-changing requests when no token is set (non-loopback binds);
            such a read-only server does not launch queued runs either.
        allowed_hosts: host names accepted in the Host header (None: any).
        warm: load the definitions and lay out the graph in a background thread at startup.
    """
    where = location or find_location(module=module, file=file, attribute=attribute, project_dir=project_dir)
    settings = config or load_config(project_dir)
    secret = oidc.client_secret(settings.web.auth)  # before opening anything: ConfigError when unset
    if settings.storage_url.startswith("sqlite:///"):
        Path(settings.home).mkdir(parents=True, exist_ok=True)
    state = WebState(where, settings, Storage.open(settings.storage_url))

    auth = oidc.make_authenticator(state.storage, settings.web.auth, secret)
    # A read-only server (writes need a token or users it does not have) launches nothing, queued runs included.
    launches = token is not None or not writes_need_token or auth.users_configured()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=state.warm, name="headwater-web-warm", daemon=True).start()
        if launches:
            state.queue_launcher.start()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="Headwater",
        summary="Assets, lineage, runs and their events; launch materializations.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads its script from a CDN; the UI must work offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = state
    app.state.auth = auth
    security = Security(token=token, writes_need_token=writes_need_token, allowed_hosts=allowed_hosts, auth=auth)
    # Added before the security middleware, so it runs inside it: a body read past the limit then
    # raises straight into FastAPI's body parsing, not through the task group of an http middleware.
    app.add_middleware(BodyLimit)
    app.middleware("http")(security.middleware)
    app.add_exception_handler(HeadwaterError, _headwater_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(api_history.router)  # before /api/assets/{key:path}, which would take its paths
    app.include_router(api_staged.router)
    app.include_router(api_report.router)  # a POST; /api/assets/{key:path} is GET only
    app.include_router(api_assets.router)
    app.include_router(api_runs.router)
    app.include_router(api_live.router)
    app.include_router(api_launch.router)
    app.include_router(api_backfills.router)
    app.include_router(api_automation.router)
    app.include_router(api_jobs.router)
    app.include_router(api_search.router)
    app.include_router(api_users.router)
    app.include_router(oidc.router)  # single sign-on: /login/oidc and its callback
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


async def _headwater_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ProjectUnavailable):
        status = 503
    elif isinstance(exc, Forbidden):
        status = 403
    elif isinstance(exc, (NotFound, LaunchNotFound)):
        status = 404
    elif isinstance(exc, StorageError):
        status = 500
    elif isinstance(exc, SelectionError) and request.method == "GET" and request.url.path.startswith(_KEYED):
        status = 404
    else:
        status = 400
    return JSONResponse({"error": str(exc)}, status_code=status)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}" for err in exc.errors())
    return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)
