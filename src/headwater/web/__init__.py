"""The web UI and HTTP API: an ASGI app (FastAPI) over the event log and the lineage graph.

It reads storage directly and loads definitions only through ``headwater.loader``; it never
runs user code: materializations are launched as ``headwater materialize`` subprocesses.
"""

from __future__ import annotations

from headwater.web.app import create_app

__all__ = ["create_app"]
