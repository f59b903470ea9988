"""The live run page in real headless Chromium: a running step's output shows before the step
ends, and Terminate stops a step waiting on a child process (the child is gone, the run canceled).

Both runs are launched from the page and run in their own process through the run queue, as in
``headwater web``. The steps wait on files the test writes, so no timing is assumed.
"""

from __future__ import annotations

import time
from pathlib import Path

from headwater.events import EventType, RunStatus
from headwater.storage.run_queue import RunQueueStore

from .conftest import write_project
from .test_browser import browser_page, serving

LIVE = """
import subprocess
import sys
import time
from pathlib import Path

import headwater as hw

HERE = Path(__file__).parent


def wait_for(name):
    while not (HERE / name).exists():
        time.sleep(0.05)


@hw.asset
def slow() -> int:
    print("first line, printed before the step waits")
    wait_for("release")
    print("second line, printed once released")
    return 1


@hw.asset
def sleeper(context: hw.Context) -> int:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    (HERE / "child.pid").write_text(str(child.pid))
    context.log.info("started child %d", child.pid)
    child.wait()
    return 2


@hw.asset
def after_slow(slow: int) -> int:
    return slow + 1


defs = hw.Definitions(assets=[slow, after_slow, sleeper])
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie left for a parent that does not reap it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def test_run_page_shows_output_while_the_step_runs(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = write_project(tmp_path, LIVE)
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/runs")
        page.evaluate("HW.materialize('slow')")
        page.wait_for_url("**/runs/*")
        output = page.locator('#logs pre[data-step="slow"]')
        expect(output).to_contain_text("first line, printed before the step waits", timeout=30_000)
        # The step cannot end before the release file exists: the line came while it ran.
        assert not (tmp_path / "release").exists()
        expect(page.locator("#run-status")).to_have_text("started")
        bar = page.locator("#gantt rect.bar.running")
        expect(bar).to_have_count(1)
        span = page.locator("#gantt-span").text_content()
        # The timeline's span grows with the clock while the step runs and no event arrives.
        page.wait_for_function(f"() => document.querySelector('#gantt-span').textContent !== {span!r}")
        stamp = output.locator(".ts").first.text_content() or ""
        assert len(stamp) == len("12:34:56.789") and stamp[8] == "."  # milliseconds
        expect(output).not_to_contain_text("second line")
        (tmp_path / "release").write_text("go")
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        expect(output).to_contain_text("second line, printed once released")
        assert output.text_content().count("first line") == 1  # type: ignore[union-attr]
        expect(page.locator("#terminate")).to_have_count(0)
    assert errors == []


def test_terminate_stops_the_running_step_and_its_child_process(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = write_project(tmp_path, LIVE)
    pid_file = tmp_path / "child.pid"
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(url + "/runs")
        page.evaluate("HW.materialize('sleeper')")
        page.wait_for_url("**/runs/*")
        run_id = page.url.rsplit("/", 1)[1]
        expect(page.locator('#logs pre[data-step="sleeper"]')).to_contain_text("started child", timeout=30_000)
        child = int(pid_file.read_text())
        assert _alive(child)
        page.click("#terminate")
        expect(page.locator("#run-status")).to_have_text("canceled", timeout=30_000)
        expect(page.locator("#terminate")).to_have_count(0)
        expect(page.locator("#reexecute")).to_be_visible()
    assert errors == []
    assert not _alive(child)
    with project.instance() as instance:
        run = instance.storage.get_run(run_id)
        assert run is not None and run.status is RunStatus.CANCELED
        kinds = [record.event.type for record in instance.storage.get_events(run_id)]
    assert kinds[-2:] == [EventType.STEP_FAILED, EventType.RUN_CANCELED]
    assert EventType.STEP_SUCCEEDED not in kinds and EventType.ASSET_MATERIALIZED not in kinds


def test_cancel_lets_the_running_step_end_and_starts_no_more(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    project = write_project(tmp_path, LIVE)
    with serving(project) as url, browser_page(chromium) as (page, errors):
        page.goto(url + "/runs")
        page.evaluate("HW.materialize('slow+')")
        page.wait_for_url("**/runs/*")
        run_id = page.url.rsplit("/", 1)[1]
        expect(page.locator('#logs pre[data-step="slow"]')).to_contain_text("first line", timeout=30_000)
        page.click("#cancel")
        expect(page.locator("#run-note")).to_have_text("cancel requested: the run stops before its next step")
        asked = time.time()
        with project.instance() as instance:  # the run's process learns of the cancel with its next heartbeat
            queue = RunQueueStore(instance.storage)
            while not any(r.run.run_id == run_id and (r.heartbeat_at or 0) > asked for r in queue.running()):
                time.sleep(0.05)
        (tmp_path / "release").write_text("go")
        expect(page.locator("#run-status")).to_have_text("canceled", timeout=30_000)
        expect(page.locator('#logs pre[data-step="slow"]')).to_contain_text("second line")  # the step ran to its end
    assert errors == []
    with project.instance() as instance:
        events = [record.event for record in instance.storage.get_events(run_id)]
    made = [e.asset_key.to_string() for e in events if e.type is EventType.ASSET_MATERIALIZED and e.asset_key]
    assert made == ["slow"]
    assert [e.step_key for e in events if e.type is EventType.STEP_SKIPPED] == ["after_slow"]
    assert events[-1].type is EventType.RUN_CANCELED
