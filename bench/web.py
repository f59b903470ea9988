"""W6 web: the server's first answer and the asset-graph data for the layered graph of BENCHMARKS.md.

For N = 5,000 and 10,000 this starts ``headwater web`` as a whole process on a free port and
times, with ``time.perf_counter``:

- ``first_answer_s``: process start until ``GET /api/health`` answers;
- ``graph_first_s``: the first ``GET /api/graph`` right after (definitions load and layout are
  warmed in the background from startup, so this may include waiting for them);
- ``graph_median_s``: the median of 5 further ``GET /api/graph`` (layout cached per graph version,
  states cached until an event is stored or a run added: the steady state of a polling page);
- ``states_median_s``: the median of 5 ``GET /api/graph/states`` (what the page polls);
- ``graph_bytes``: the size of the graph JSON.

Also, server-side in-process (FastAPI's TestClient, medians of 5):

- ``states_uncached``: computing the 10,000 assets' states once, without that cache;
- ``states_with_checks``: the same for 10,000 assets that each have a check with a verdict (target
  < 50 ms), and how many SELECTs it runs (a fixed number whatever the number of assets and checks);
- ``runs_list``: ``GET /api/runs`` with 100,000 runs in the event log: the first page, a page
  deep in the log (keyset cursor), and the first page filtered by status (target < 200 ms);
- ``run_event_log``: the run page's data for a real 1,000-step run: ``GET /api/runs/{id}``
  (steps, errors) and the first ``GET /api/runs/{id}/events`` page of 1,000 (target < 200 ms);
- ``column_lineage``: ``GET /api/assets/{key}/columns`` for the middle asset of 10,000 that each
  declare two columns (every asset up and down is linked, the worst case of the asset page's
  Columns section);
- ``graph_page_chromium``: the graph page of 10,000 assets in headless Chromium, from navigation
  until the graph is drawn and answers a click on a group (target < 2 s);
- ``graph_fit_chromium``: the whole graph of 50,000 assets in 100 groups (a grid of blocks feeding
  each other) fitted in headless Chromium, groups collapsed and then expanded (drawn zoomed out as
  one box per group): the cost of a frame, from its start until it is painted, median and worst
  of 20, zooming in and out by a quarter (``zoom``: what is drawn is moved, or drawn again when
  needed) and pressing Fit (``redraw``: everything drawn anew); target < 50 ms.

Run: ``python bench/web.py [N ...] [--no-browser]`` (prints JSON).
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_time

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


def _client(folder: Path, n: int, source: str = DEFS) -> Any:
    """An in-process client of the app for the layered graph of ``n`` assets in ``folder`` (``source``: its defs.py)."""
    from fastapi.testclient import TestClient

    from headwater.instance import InstanceConfig
    from headwater.loader import find_location
    from headwater.web import create_app

    path = folder / "defs.py"
    path.write_text(source.format(bench=str(BENCH), n=n))
    config = InstanceConfig(home=str(folder / "home"))
    location = find_location(file=path, project_dir=folder)
    return TestClient(create_app(location=location, config=config, warm=False)), config, location


def states_uncached(n: int = 10_000) -> dict[str, float | int]:
    """Seconds to compute the graph page's states without the cache (an empty event log)."""
    with tempfile.TemporaryDirectory(prefix="headwater-bench-states-") as name:
        client, _, _ = _client(Path(name), n)
        with client:
            state = client.app.state.web
            loaded, layout = state.layout()
            seconds = median_time(lambda: state.states(loaded).codes(layout.keys), 5)
    return {"n": n, "states_uncached_s": round(seconds, 4)}


def states_with_checks(n: int = 10_000) -> dict[str, float | int]:
    """The graph's states of ``n`` assets that each have a check (every third failed), from an event log
    holding a materialization and a check evaluation per asset: seconds (median of 5) and SELECTs run."""
    import dataclasses

    import graphs
    from sqlalchemy import event

    import headwater as hw
    from headwater.events import Event, EventType
    from headwater.graph import AssetGraph
    from headwater.storage import Storage
    from headwater.web.states import AssetStates

    specs = graphs.layered_assets(n)
    checks = [
        dataclasses.replace(hw.check(asset=spec.key, name="positive")(lambda: hw.CheckResult(passed=True)))
        for spec in specs
    ]
    defs = hw.Definitions(assets=specs, checks=checks)
    graph = AssetGraph.from_definitions(defs)
    with tempfile.TemporaryDirectory(prefix="headwater-bench-checks-") as name:
        storage = Storage.open(f"sqlite:///{name}/events.db")
        batch = []
        for i, spec in enumerate(specs):
            batch.append(Event(run_id="r", type=EventType.ASSET_MATERIALIZED, asset_key=spec.key, data={}))
            verdict = {"check": "positive", "severity": "error", "blocking": False, "passed": i % 3 != 0}
            batch.append(Event(run_id="r", type=EventType.CHECK_EVALUATED, asset_key=spec.key, data=verdict))
        storage.store_events(batch)
        keys = tuple(graph.keys)
        seconds = median_time(lambda: AssetStates(storage, graph).codes(keys), 5)
        selects = [0]

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            selects[0] += statement.lstrip().upper().startswith("SELECT")

        engine = storage._engine  # counting only: a listener on the engine, nothing replaced
        event.listen(engine, "before_cursor_execute", seen)
        codes = AssetStates(storage, graph).codes(keys)
        event.remove(engine, "before_cursor_execute", seen)
        storage.close()
    return {"n": n, "states_s": round(seconds, 4), "selects": selects[0], "check_failed": codes.count("c")}


COLUMNS_DEFS = """
import dataclasses
import sys
sys.path.insert(0, {bench!r})
import headwater as hw
from graphs import layered_assets
schema = {{"id": "int64", "value": "int64"}}
defs = hw.Definitions(assets=[dataclasses.replace(s, metadata={{"schema": schema}}) for s in layered_assets({n})])
"""


def column_lineage(n: int = 10_000) -> dict[str, float | int]:
    """Time the asset page's column lineage of the middle asset, every asset declaring two columns."""
    with tempfile.TemporaryDirectory(prefix="headwater-bench-columns-") as name:
        client, _, _ = _client(Path(name), n, COLUMNS_DEFS)
        key = f"a{n // 2:05d}"
        with client:
            client.get("/api/graph/states")  # load the definitions first
            found = client.get(f"/api/assets/{key}/columns").json()
            seconds = median_time(lambda: client.get(f"/api/assets/{key}/columns"), 5)
    linked = sum(len(c["upstream"]) + len(c["downstream"]) for c in found["columns"])
    return {"n": n, "asset": key, "linked_columns": linked, "columns_s": round(seconds, 4)}


def runs_list(count: int = 100_000) -> dict[str, float | int]:
    """Time the runs list over ``count`` stored runs."""
    from sqlalchemy import insert

    from headwater.events import RunRecord, RunStatus
    from headwater.keys import AssetKey
    from headwater.storage import Storage
    from headwater.storage.rows import run_to_row
    from headwater.storage.schema import runs

    with tempfile.TemporaryDirectory(prefix="headwater-bench-runs-") as name:
        folder = Path(name)
        client, config, _ = _client(folder, 10)
        storage = Storage.open(config.storage_url)
        statuses = [RunStatus.SUCCEEDED] * 8 + [RunStatus.FAILED, RunStatus.CANCELED]
        start = time.time() - count
        rows = [
            run_to_row(
                RunRecord(
                    run_id=f"{i:032x}",
                    status=statuses[i % 10],
                    created_at=start + i,
                    started_at=start + i,
                    finished_at=start + i + 0.5,
                    selection="a00001+",
                    asset_keys=(AssetKey.parse("a00001"), AssetKey.parse("a00011")),
                    tags={"team": "data"},
                )
            )
            for i in range(count)
        ]
        for offset in range(0, count, 10_000):
            with storage._write("bench: add runs") as conn:
                conn.execute(insert(runs), rows[offset : offset + 10_000])
        storage.close()
        with client:
            first = client.get("/api/runs").json()
            assert len(first["runs"]) == 50
            cursor = first["next_cursor"]
            for _ in range(200):  # 10,000 runs deep
                cursor = client.get("/api/runs", params={"cursor": cursor}).json()["next_cursor"]
            return {
                "runs": count,
                "first_page_s": round(median_time(lambda: client.get("/api/runs"), 5), 4),
                "deep_page_s": round(median_time(lambda: client.get("/api/runs", params={"cursor": cursor}), 5), 4),
                "failed_only_s": round(median_time(lambda: client.get("/api/runs", params={"status": "failed"}), 5), 4),
            }


def run_event_log(n: int = 1_000) -> dict[str, float | int]:
    """Time the run page's data for a real run of ``n`` steps."""
    from headwater.instance import Instance
    from headwater.loader import load_definitions

    with tempfile.TemporaryDirectory(prefix="headwater-bench-events-") as name:
        client, config, location = _client(Path(name), n)
        with Instance.from_config(config) as instance:
            result = instance.materialize(load_definitions(location))
            assert result.success
            run_id = result.run.run_id
        with client:
            detail = client.get(f"/api/runs/{run_id}").json()
            assert len(detail["steps"]) == n
            page = client.get(f"/api/runs/{run_id}/events", params={"limit": 1000}).json()
            return {
                "steps": n,
                "events": detail["event_count"],
                "run_detail_s": round(median_time(lambda: client.get(f"/api/runs/{run_id}"), 5), 4),
                "events_page_s": round(
                    median_time(lambda: client.get(f"/api/runs/{run_id}/events", params={"limit": 1000}), 5), 4
                ),
                "events_page_count": len(page["events"]),
            }


def graph_page_chromium(n: int = 10_000) -> dict[str, float | int]:
    """Seconds from navigation to a drawn, clickable graph page of ``n`` assets in headless Chromium."""
    import threading

    import uvicorn
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    args += ["--disable-sync", "--no-first-run"]
    with tempfile.TemporaryDirectory(prefix="headwater-bench-chromium-") as name:
        client, config, location = _client(Path(name), n)
        from headwater.web import create_app

        app = create_app(location=location, config=config, warm=False)
        port = _port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        url = f"http://127.0.0.1:{port}/"
        try:
            _get(url + "api/graph")  # definitions loaded and laid out, as on a running server
            times: list[float] = []
            clicks: list[float] = []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args, headless=True)
                try:
                    for _ in range(3):
                        page = browser.new_page(viewport={"width": 1400, "height": 900})
                        start = time.perf_counter()
                        page.goto(url)
                        page.locator(".folded").first.wait_for()
                        times.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        page.locator(".folded").first.click()
                        page.locator(".node").first.wait_for()
                        clicks.append(time.perf_counter() - start)
                        page.close()
                finally:
                    browser.close()
        finally:
            server.should_exit = True
            thread.join(20)
            client.close()
    return {
        "n": n,
        "interactive_s": round(statistics.median(times), 3),
        "unfold_group_s": round(statistics.median(clicks), 3),
    }


GROUPED_DEFS = """
import headwater as hw

GROUPS, STACK, DEPTH, WIDTH = {groups}, 10, 25, 20


def _root() -> int:
    return 1


def _one(p0: int) -> int:
    return p0


def _two(p0: int, p1: int) -> int:
    return p0 + p1


def name(g: int, d: int, w: int) -> str:
    return f"g{{g:03d}}_{{d:02d}}_{{w:02d}}"


specs = []
for g in range(GROUPS):
    for d in range(DEPTH):
        for w in range(WIDTH):
            if d:
                ins = {{"p0": name(g, d - 1, w), "p1": name(g, d - 1, (w + 1) % WIDTH)}}
            elif g >= STACK:
                ins = {{"p0": name(g - STACK, DEPTH - 1, w)}}
                if g % STACK < STACK - 1:
                    ins["p1"] = name(g - STACK + 1, DEPTH - 1, w)
            else:
                ins = {{}}
            body = _two if len(ins) == 2 else _one if ins else _root
            specs.append(hw.asset(name=name(g, d, w), group=f"g{{g:03d}}", ins=ins)(body))

defs = hw.Definitions(assets=specs)
"""
"""Groups of 500 assets (25 layers of 20); group g reads groups g-10 and g-9: a grid of blocks."""

_FRAMES = """async ([count, how]) => {
  const svg = document.getElementById("graph");
  const r = svg.getBoundingClientRect();
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(await new Promise((resolve) => {
      if (how === "zoom") {  // in and out by a quarter about the middle, as a wheel does
        svg.dispatchEvent(new WheelEvent("wheel", { deltaY: i % 2 ? 160 : -160, clientX: r.x + r.width / 2,
          clientY: r.y + r.height / 2, bubbles: true, cancelable: true }));
      } else {  // Fit again: everything in view drawn anew
        document.getElementById("fit").click();
      }
      // After the page's own frame callback: from the frame's start until it has been painted.
      requestAnimationFrame((start) => setTimeout(() => resolve(performance.now() - start), 0));
    }));
  }
  return out;
}"""


def _frames(page: Any, prefix: str, out: dict[str, float | int]) -> None:
    """Median and worst frame of 20 zooming and of 20 redraws (after 5 of each to warm up)."""
    for how in ("zoom", "redraw"):
        page.evaluate(_FRAMES, [5, how])
        times = page.evaluate(_FRAMES, [20, how])
        out[f"{prefix}_{how}_frame_ms"] = round(statistics.median(times), 1)
        out[f"{prefix}_{how}_frame_max_ms"] = round(max(times), 1)


def graph_fit_chromium(n: int = 50_000) -> dict[str, float | int]:
    """Frame times of the whole graph of ``n`` assets (groups of 500) fitted in headless Chromium."""
    import threading

    import uvicorn
    from playwright.sync_api import sync_playwright

    from headwater.web import create_app

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    args += ["--disable-sync", "--no-first-run"]
    groups = n // 500
    with tempfile.TemporaryDirectory(prefix="headwater-bench-fit-") as name:
        client, config, location = _client(Path(name), groups, GROUPED_DEFS.replace("{groups}", "{n}"))
        app = create_app(location=location, config=config, warm=False)
        port = _port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        url = f"http://127.0.0.1:{port}/"
        out: dict[str, float | int] = {"n": n, "groups": groups}
        try:
            _get(url + "api/graph")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args, headless=True)
                try:
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    page.goto(url)
                    page.locator(".folded").first.wait_for()
                    _frames(page, "collapsed", out)
                    page.click("#expand-all")
                    page.locator('svg#graph[data-lod="groups"]').wait_for()
                    _frames(page, "expanded", out)
                    out["groups_drawn"] = page.locator(".lod-group").count()
                    out["nodes_drawn"] = page.locator(".node").count()
                finally:
                    browser.close()
        finally:
            server.should_exit = True
            thread.join(20)
            client.close()
    return out


def main() -> None:
    """Print the W6 figures as JSON."""
    sizes = [int(v) for v in sys.argv[1:] if v.isdigit()] or [5_000, 10_000]
    figures: dict[str, Any] = {"W6_web": [measure(n) for n in sizes]}
    figures["states_uncached"] = states_uncached()
    figures["states_with_checks"] = states_with_checks()
    figures["runs_list"] = runs_list()
    figures["run_event_log"] = run_event_log()
    figures["column_lineage"] = column_lineage()
    if "--no-browser" not in sys.argv:
        figures["graph_page_chromium"] = graph_page_chromium()
        figures["graph_fit_chromium"] = graph_fit_chromium()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
