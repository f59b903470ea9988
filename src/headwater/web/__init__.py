"""The web UI and HTTP API: an ASGI app (FastAPI) over the event log and the lineage graph.

It reads storage directly and loads definitions only through ``headwater.loader``; it never
runs user code: materializations are launched as ``headwater materialize`` subprocesses.
``create_app`` is imported on first use, so ``headwater.web.boot`` can answer before FastAPI loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headwater.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from headwater.web.app import create_app

        return create_app
    raise AttributeError(f"module 'headwater.web' has no attribute {name!r}")
