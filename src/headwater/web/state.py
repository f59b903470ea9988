"""What one web app holds: the project's definitions, the event log, the run queue's launcher
(used while no daemon runs) and the cached layout of the current graph version.
"""

from __future__ import annotations

import json
import threading

from fastapi import Request

from headwater.definitions import CodeLocation
from headwater.errors import HeadwaterError
from headwater.instance.config import InstanceConfig
from headwater.instance.core import InstanceCore
from headwater.io.filesystem import FilesystemIOManager
from headwater.storage import Storage
from headwater.web.layout import Layout, compute_layout
from headwater.web.project import Loaded, Project
from headwater.web.queries import WebQueries
from headwater.web.queue_launcher import QueueLauncher
from headwater.web.states import AssetStates


class NotFound(HeadwaterError):
    """A run, launch or page that does not exist (HTTP 404)."""


class WebState:
    """Shared by every request of one app; thread-safe."""

    def __init__(self, location: CodeLocation, config: InstanceConfig, storage: Storage) -> None:
        self.project = Project(location)
        self.config = config
        self.storage = storage
        self.queries = WebQueries(storage)
        self.queue_launcher = QueueLauncher(storage, config, loaded=self.loaded, instance=self.instance)
        self._layout: tuple[int, Layout] | None = None
        self._instance: InstanceCore | None = None
        self._codes: tuple[tuple[int, str], str, bytes] | None = None
        self._lock = threading.Lock()

    def loaded(self) -> Loaded:
        """The current definitions and graph (reloaded when the project's files changed)."""
        return self.project.current()

    def layout(self) -> tuple[Loaded, Layout]:
        """The current graph and its layout, computed once per graph version."""
        loaded = self.loaded()
        with self._lock:
            if self._layout is None or self._layout[0] != loaded.version:
                self._layout = (loaded.version, compute_layout(loaded.graph, loaded.version))
            return loaded, self._layout[1]

    def instance(self) -> InstanceCore:
        """An InstanceCore over this app's storage, for the instance-level operations the UI offers
        (cancelling a backfill); it never runs assets here."""
        with self._lock:
            if self._instance is None:
                self._instance = InstanceCore(self.storage, FilesystemIOManager(self.config.io_dir), config=self.config)
            return self._instance

    def state_codes(self, loaded: Loaded, layout: Layout) -> str:
        """The graph page's state letters, recomputed only when the change marker moved (an event
        stored or a run added) or the graph changed; states depend on nothing else."""
        return self.graph_states(loaded, layout)[0]

    def graph_states(self, loaded: Loaded, layout: Layout) -> tuple[str, bytes]:
        """The state letters and the nodes' details (``AssetStates.details`` as JSON), computed
        together and cached like ``state_codes``."""
        marker = self.queries.change_marker()
        with self._lock:
            cached = self._codes
        if cached is not None and cached[0] == (loaded.version, marker):
            return cached[1], cached[2]
        states = self.states(loaded)
        codes = states.codes(layout.keys)
        details = json.dumps(states.details(layout.keys), separators=(",", ":")).encode()
        with self._lock:
            self._codes = ((loaded.version, marker), codes, details)
        return codes, details

    def states(self, loaded: Loaded) -> AssetStates:
        """A fresh view of the assets' states for one request."""
        return AssetStates(self.storage, loaded.graph)

    def warm(self) -> None:
        """Load the definitions, lay out the graph and compute its states ahead of the first page
        (errors show there)."""
        try:
            self.state_codes(*self.layout())
        except Exception:  # the first request reports the same error
            return

    def close(self) -> None:
        """Stop the queue launcher and release the database."""
        self.queue_launcher.close()
        self.storage.close()


def web_state(request: Request) -> WebState:
    """The WebState of the app serving ``request`` (a FastAPI dependency)."""
    state: WebState = request.app.state.web
    return state
