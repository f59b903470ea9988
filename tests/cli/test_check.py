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
