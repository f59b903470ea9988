"""``headwater check``: validation of definitions for CI."""

from __future__ import annotations

from pathlib import Path

from .helpers import flat, invoke, run, write


def test_check_ok(project: Path) -> None:
    assert run("check", "-f", str(project), ok=True).stdout.strip() == "5 assets, 1 checks, 3 groups: OK"


def test_check_reports_a_cycle(cyclic: Path) -> None:
    result = invoke(["check", "-f", str(cyclic)])
    assert result.exit_code == 2
    message = flat(result.stderr)
    assert "error: the asset graph has a cycle:" in message
    assert "chicken -> egg" in message or "egg -> chicken" in message


def test_check_reports_an_unknown_input(tmp_path: Path, home: Path) -> None:
    bad = write(
        tmp_path,
        "bad.py",
        """
        import headwater as hw

        @hw.asset
        def orders() -> int:
            return 1

        @hw.asset
        def revenue(ordres: int) -> int:
            return ordres

        defs = hw.Definitions(assets=[orders, revenue])
        """,
    )
    result = invoke(["check", "-f", str(bad)])
    assert result.exit_code == 2
    assert "parameter 'ordres', which matches no asset (did you mean 'orders'?)" in flat(result.stderr)


def test_check_with_pyproject(project: Path, tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.headwater]\nfile = "project.py"\n')
    assert "5 assets" in run("check", ok=True).stdout


def test_check_reports_a_partition_mapping_that_cannot_work(tmp_path: Path, home: Path) -> None:
    bad = write(
        tmp_path,
        "bad.py",
        """
        import headwater as hw

        @hw.asset(partitions=hw.StaticPartitions(["us", "eu"]))
        def region() -> int:
            return 1

        @hw.asset(
            partitions=hw.StaticPartitions(["america", "europe"]),
            partition_mappings={"region": hw.StaticMapping({"us": "america", "usa": "europe"})},
        )
        def continent(region: dict) -> int:
            return len(region)

        defs = hw.Definitions(assets=[region, continent])
        """,
    )
    result = invoke(["check", "-f", str(bad)])
    assert result.exit_code == 2
    message = flat(result.stderr)
    assert "error: asset 'continent' (" in message and "bad.py:7) input 'region' from 'region': " in message
    assert (
        "StaticMapping names upstream partition 'usa', which is not a partition of StaticPartitions ['us', 'eu'] "
        "(did you mean 'us'?); valid upstream keys: 'us', 'eu'"
    ) in message


NAMES = """
import headwater as hw

@hw.asset(group="mart")
def orders() -> int:
    return 1

@hw.asset(io_manager={io_manager!r})
def revenue(orders: int) -> int:
    return orders

defs = hw.Definitions(
    assets=[orders, revenue],
    io_managers={{"warehouse": hw.InMemoryIOManager()}},
    schedules=[hw.Schedule("nightly", cron="0 2 * * *", select={select!r})],
)
"""


def test_check_reports_a_schedule_that_selects_nothing(tmp_path: Path, home: Path) -> None:
    bad = write(tmp_path, "bad.py", NAMES.format(io_manager="warehouse", select="ordres*"))
    result = invoke(["check", "-f", str(bad)])
    assert result.exit_code == 2
    assert (
        "error: schedule 'nightly' has select='ordres*', which matches no asset (did you mean 'orders'?); fix "
        "select= (`headwater assets list` shows every key and group)"
    ) in flat(result.stderr)
    unknown = write(tmp_path, "unknown.py", NAMES.format(io_manager="warehouse", select="group:marts"))
    message = flat(invoke(["check", "-f", str(unknown)]).stderr)
    assert (
        "error: schedule 'nightly' has select='group:marts', which is not a valid selection: no group 'marts' "
        "(did you mean 'mart'?) at column 1 in selection:"
    ) in message
    fine = write(tmp_path, "fine.py", NAMES.format(io_manager="warehouse", select="group:mart and status:stale"))
    assert run("check", "-f", str(fine), ok=True).stdout.strip() == "2 assets, 0 checks, 2 groups: OK"


def test_check_reports_an_unknown_io_manager(tmp_path: Path, home: Path) -> None:
    bad = write(tmp_path, "bad.py", NAMES.format(io_manager="warehose", select="*"))
    result = invoke(["check", "-f", str(bad)])
    assert result.exit_code == 2
    assert (
        f"error: asset 'revenue' ({bad}:7) has io_manager='warehose', which is not in Definitions(io_managers=...) "
        "(did you mean 'warehouse'?); declared IO managers: io_manager, warehouse; add it with "
        "io_managers={'warehose': ...} or fix the name"
    ) in flat(result.stderr)


def test_check_names_the_line_of_a_misspelled_keyword_and_of_an_import_error(tmp_path: Path, home: Path) -> None:
    typo = write(
        tmp_path,
        "typo.py",
        """
        import headwater as hw

        @hw.asset
        def orders() -> int:
            return 1

        @hw.multi_asset(outs={"a": hw.AssetOut()}, grup="x")
        def split(orders: int) -> dict:
            return {"a": orders}

        defs = hw.Definitions(assets=[orders, split])
        """,
    )
    result = invoke(["check", "-f", str(typo)])
    assert result.exit_code == 2
    assert f"error: @hw.multi_asset ({typo}:7) has no keyword 'grup' (did you mean 'group'?); its keywords are" in (
        flat(result.stderr)
    )
    broken = write(tmp_path, "broken.py", "import headwater as hw\n\nraise RuntimeError('no warehouse')\n")
    result = invoke(["check", "-f", str(broken)])
    assert result.exit_code == 2
    assert (
        f"error: error while loading definitions from -f {broken} (attribute 'defs'): RuntimeError: no warehouse "
        f"(raised at {broken}:3, in <module>); fix the code there"
    ) in flat(result.stderr)
