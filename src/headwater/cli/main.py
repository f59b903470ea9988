"""The ``headwater`` command group, its global options and error handling.

Every HeadwaterError becomes ``error: <message>`` on stderr and exit code 2 (a failed run
exits 1); ``--debug`` shows the Python traceback instead.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from headwater import __version__
from headwater.cli import (
    assets,
    audit,
    backfill,
    check,
    dev,
    jobs,
    materialize,
    migrate,
    observe,
    output,
    partitions,
    runs,
    staged,
    status,
    tokens,
    users,
    web,
)
from headwater.cli.automation import automation_group
from headwater.cli.daemon import daemon_command
from headwater.errors import HeadwaterError

USAGE_ERROR = 2
"""Exit code for a usage, definition, config or selection error (as Click uses for bad options)."""


class HeadwaterGroup(click.Group):
    """A group that turns HeadwaterError into a short message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HeadwaterError as exc:
            if ctx.params.get("debug"):
                raise
            output.error(str(exc))
            ctx.exit(USAGE_ERROR)


@click.group(cls=HeadwaterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="headwater", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show Python tracebacks of errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Headwater: declare data assets in Python, see their lineage, materialize them, trust them.

    Commands that need your code take -m MODULE or -f FILE (or read [tool.headwater] in
    ./pyproject.toml); the event log is found through HEADWATER_HOME or headwater.toml.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


cli.add_command(materialize.materialize_command)
cli.add_command(assets.assets_group)
for _command in (status.status_command, status.why_command, status.history_command, status.diff_command):
    assets.assets_group.add_command(_command)
for _command in (staged.staged_command, staged.publish_command, staged.discard_command):
    assets.assets_group.add_command(_command)
cli.add_command(runs.runs_group)
runs.runs_group.add_command(materialize.reexecute_command)
cli.add_command(daemon_command)
cli.add_command(automation_group)
cli.add_command(jobs.jobs_command)
cli.add_command(check.check_command)
cli.add_command(observe.observe_command)
cli.add_command(observe.report_command)
cli.add_command(migrate.migrate_command)
cli.add_command(backfill.backfill_group)
cli.add_command(partitions.partitions_group)
cli.add_command(web.web_command)
cli.add_command(dev.dev_command)
cli.add_command(users.users_group)
cli.add_command(tokens.tokens_group)
cli.add_command(audit.audit_group)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (the ``headwater`` console script)."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="headwater")


if __name__ == "__main__":  # `python -m headwater.cli.main`, as the web UI launches runs
    main()
