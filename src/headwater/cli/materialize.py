"""``headwater materialize``: run a selection of assets with a live progress bar and a summary.

Exit codes: 0 when the run succeeded, 1 when it failed, 2 for an error before the run.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any

import click

from headwater.cli import output
from headwater.cli.loading import load, location_options

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from headwater.execution.loop import Batch
    from headwater.instance import RunResult

RUN_FAILED = 1


class StepProgress:
    """A live bar of steps done out of the plan's steps, naming those running (on stderr)."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.done: set[str] = set()
        self.running: list[str] = []
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = output.progress_bar("materializing")

    def __enter__(self) -> StepProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def on_batch(self, batch: Batch) -> None:
        """Count finished steps from a batch of events (the on_batch callback of a run)."""
        from headwater.cli.run_summary import finished_step
        from headwater.events import EventType

        for event in batch.events:
            step = event.step_key
            if step is None:
                continue
            if event.type is EventType.STEP_STARTED and step not in self.running:
                self.running.append(step)
            elif finished_step(event) is not None:
                self.done.add(step)
                if step in self.running:
                    self.running.remove(step)
        if self._progress is not None and self._task is not None:
            shown = ", ".join(self.running[:3]) + (" …" if len(self.running) > 3 else "")
            self._progress.update(self._task, completed=len(self.done), description=shown)


def _tags(values: tuple[str, ...]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for value in values:
        name, sep, tag_value = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE (e.g. --tag team=finance)", param_hint="--tag")
        tags[name] = tag_value
    return tags


def _executor(kind: str | None, workers: int | None) -> Any:
    from headwater.definitions import MultiprocessExecutor

    if kind == "in_process":
        if workers is not None:
            raise click.UsageError("--workers needs --executor multiprocess or dask")
        from headwater.definitions import InProcessExecutor

        return InProcessExecutor()
    if kind == "dask":
        from headwater.definitions import DaskExecutor

        return DaskExecutor(n_workers=workers)
    if kind == "multiprocess" or workers is not None:
        return MultiprocessExecutor(max_workers=workers)
    return None


@click.command("materialize")
@location_options
@click.option("--select", "selection", metavar="SEL", help="Assets to run, in the selection language (default: all).")
@click.option("--job", metavar="NAME", help="Run the hw.Job NAME: its selection, tags and config.")
@click.option("--partition", metavar="KEY", help="Partition key to materialize.")
@click.option(
    "--config",
    "config_file",
    metavar="FILE.yaml",
    type=click.Path(exists=True, dir_okay=False),
    help="Run config file: asset key -> fields, e.g. `model: {learning_rate: 0.1}`.",
)
@click.option("--config-json", metavar="JSON", help='Run config as JSON, e.g. \'{"model": {"learning_rate": 0.1}}\'.')
@click.option("--tag", "tag_values", multiple=True, metavar="KEY=VALUE", help="Tag the run (repeatable).")
@click.option(
    "--executor",
    type=click.Choice(["in_process", "multiprocess", "dask"]),
    help="Where steps run (default: [executor] in headwater.toml, else the executor in the definitions).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes for the multiprocess executor or the local dask cluster.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--queue", is_flag=True, help="Queue the run for `headwater daemon` instead of running it here.")
@click.option(
    "--run-id",
    metavar="ID",
    help="Execute this queued run (what the daemon's launcher does); '-' reads the id from stdin once loaded.",
)
@click.option(
    "--memoize",
    is_flag=True,
    help="Reuse the stored value of each asset with a code_version whose inputs are unchanged.",
)
@click.option("--force", is_flag=True, help="Run every selected step, even memoized ones whose inputs are unchanged.")
def materialize_command(
    module: str | None,
    file: str | None,
    attribute: str | None,
    selection: str | None,
    partition: str | None,
    config_file: str | None,
    config_json: str | None,
    tag_values: tuple[str, ...],
    executor: str | None,
    workers: int | None,
    as_json: bool,
    queue: bool = False,
    run_id: str | None = None,
    job: str | None = None,
    memoize: bool = False,
    force: bool = False,
) -> None:
    """Materialize assets: run the selected assets of your definitions and record the run."""
    from headwater.cli import queued, run_config
    from headwater.instance import Instance

    if memoize and force:
        raise click.UsageError("give --memoize or --force, not both: --force runs every step, memoized or not")
    if queue and (memoize or force):
        raise click.UsageError(
            "--memoize and --force apply to a run executed here, not with --queue: queued runs follow the "
            "assets' and the Definitions' memoize= settings"
        )

    tags = _tags(tag_values)
    pool = _executor(executor, workers)
    configs = []
    if config_file:
        configs.append(run_config.from_yaml_file(config_file))
    if config_json:
        configs.append(run_config.from_json_text(config_json))
    config = run_config.merge(*configs)
    defs = queued.load_for(run_id, lambda: load(module, file, attribute))
    if job is not None:
        selection, config, tags = _job(defs, job, selection, config, tags)
    with Instance.get() as instance:
        if queue:
            queued.report(
                instance.submit_run(defs, selection, partition=partition, config=config, tags=tags), as_json=as_json
            )
            return
        if run_id is not None:
            run_id = queued.assigned(run_id)
            selection, partition, config, tags = queued.claim(instance, run_id)
        with queued.failing(instance, run_id), queued.left_to_holder():
            total = len(instance.plan(defs, selection).steps)
            live = not as_json and sys.stdout.isatty() and sys.stderr.isatty()
            with StepProgress(total, enabled=live) as progress:
                result = instance.materialize(
                    defs,
                    selection,
                    partition=partition,
                    config=config,
                    tags=tags,
                    executor=pool,
                    on_batch=progress.on_batch,
                    run_id=run_id,
                    memoize=False if force else (True if memoize else None),
                )
    _report(result, as_json=as_json)
    if not result.success:
        raise click.exceptions.Exit(RUN_FAILED)


def _job(
    defs: Any, name: str, selection: str | None, config: dict[str, Any] | None, tags: dict[str, str]
) -> tuple[str, Any, dict[str, str]]:
    """The selection, config and tags of a run of the job ``name`` (given config and tags win)."""
    from headwater.definitions.job import find_job

    if selection is not None:
        raise click.UsageError("give --select or --job, not both: the job has its own selection")
    found = find_job(defs.jobs, name, where="--job")
    return found.select, config or found.config, found.run_tags(tags)


def _report(result: RunResult, *, as_json: bool) -> None:
    from headwater.cli.run_summary import outcome_table, summarise

    keys = [k.to_string() for k in result.run.asset_keys]
    outcome = summarise(result.events, expected=keys)
    status = result.run.status.value
    if as_json:
        output.print_json(
            {
                "run_id": result.run_id,
                "status": status,
                "success": result.success,
                "partition": result.run.partition,
                "assets": [row.to_json() for row in outcome.rows()],
                "errors": [{"step": f.step, "error": f.error} for f in outcome.failures],
            }
        )
        return
    out = output.console()
    out.print(outcome_table(outcome))
    out.print(output.text(f"run {result.run_id} {status}", output.STATUS_STYLES.get(status, "")))
    if result.success:
        return
    err = output.console(stderr=True)
    for failure in outcome.failures:
        message = (
            failure.error if failure.error.startswith("step ") else f"step '{failure.step}' failed: {failure.error}"
        )
        err.print(output.text(message, "red"))
    if not outcome.failures and result.run.error:
        err.print(output.text(result.run.error, "red"))
    err.print(output.text(f"see the logs and tracebacks with: headwater runs logs {output.short_id(result.run_id)}"))


@click.command("reexecute")
@location_options
@click.argument("run_id")
@click.option(
    "--from-failure/--all",
    "from_failure",
    default=True,
    show_default=True,
    help="Run only what the run did not complete (default), or all of its assets again.",
)
@click.option("--tag", "tag_values", multiple=True, metavar="KEY=VALUE", help="Tag the new run (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def reexecute_command(
    module: str | None,
    file: str | None,
    attribute: str | None,
    run_id: str,
    from_failure: bool,
    tag_values: tuple[str, ...],
    as_json: bool,
) -> None:
    """Re-execute a finished run as a new run, with the same partition and config.

    From failure, the assets the run materialized are not run again; their stored values feed the rest.
    """
    from headwater.cli.runs import find_run
    from headwater.instance import Instance
    from headwater.instance.reexecute import prepare

    tags = _tags(tag_values)
    defs = load(module, file, attribute)
    with Instance.get() as instance:
        parent = find_run(instance.storage, run_id)
        live = not as_json and sys.stdout.isatty() and sys.stderr.isatty()
        total = len(
            instance.plan(defs, prepare(instance, defs, parent.run_id, from_failure=from_failure).selection).steps
        )
        with StepProgress(total, enabled=live) as progress:
            result = instance.reexecute(
                defs, parent.run_id, from_failure=from_failure, tags=tags, on_batch=progress.on_batch
            )
    _report(result, as_json=as_json)
    if not result.success:
        raise click.exceptions.Exit(RUN_FAILED)
