"""W6 web: the server's first answer and the asset-graph data for the layered graph of BENCHMARKS.md.

For N = 5,000 and 10,000 this starts ``headwater web`` as a whole process on a free port and
times, with ``time.perf_counter``:

- ``first_answer_s``: process start until ``GET /api/health`` answers;
- ``graph_first_s``: the first ``GET /api/graph`` right after (definitions load and layout are
  warmed in the background from startup, so this may include waiting for them);
- ``graph_median_s``: the median of 5 further ``GET /api/graph`` (layout cached; states queried);
- ``states_median_s``: the median of 5 ``GET /api/graph/states`` (what the page polls);
- ``graph_bytes``: the size of the graph JSON.

Run: ``python bench/web.py`` (prints JSON).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DEFS = """
import sys
sys.path.insert(0, {bench!r})
import headwater as hw
from graphs import layered_assets
defs = hw.Definitions(assets=layered_assets({n}))
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        body: bytes = response.read()
        return body


def _timed(url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    body = _get(url)
    return time.perf_counter() - start, body


def measure(n: int) -> dict[str, float | int]:
    """Start a server for N assets and time its answers."""
    with tempfile.TemporaryDirectory(prefix="headwater-bench-web-") as folder:
        path = Path(folder) / "defs.py"
        path.write_text(DEFS.format(bench=str(BENCH), n=n))
        port = _port()
        env = {**os.environ, "HEADWATER_HOME": str(Path(folder) / "home")}
        env.pop("HEADWATER_STORAGE_URL", None)
        command = [sys.executable, "-m", "headwater.cli.main", "web", "-f", str(path), "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        start = time.perf_counter()
        server = subprocess.Popen(command, cwd=folder, env=env, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    _get(base + "/api/health")
                    break
                except (urllib.error.URLError, ConnectionError):
                    if server.poll() is not None or time.perf_counter() - start > 60:
                        raise RuntimeError("the web server did not start") from None
                    time.sleep(0.005)
            first_answer = time.perf_counter() - start
            graph_first, body = _timed(base + "/api/graph")
            graph = [_timed(base + "/api/graph")[0] for _ in range(5)]
            states = [_timed(base + "/api/graph/states")[0] for _ in range(5)]
        finally:
            server.terminate()
            server.wait(10)
    return {
        "n": n,
        "first_answer_s": round(first_answer, 3),
        "graph_first_s": round(graph_first, 3),
        "graph_median_s": round(statistics.median(graph), 4),
        "states_median_s": round(statistics.median(states), 4),
        "graph_bytes": len(body),
    }


def main() -> None:
    """Print the W6 figures as JSON."""
    sizes = [int(v) for v in sys.argv[1:]] or [5_000, 10_000]
    print(json.dumps({"W6_web": [measure(n) for n in sizes]}, indent=2))


if __name__ == "__main__":
    main()
