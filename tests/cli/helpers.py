"""Helpers for CLI tests: example project sources and in-process invocation."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from headwater.cli.main import cli

PROJECT = """
import headwater as hw


class ModelConfig(hw.Config):
    learning_rate: float = 0.01


@hw.asset(group="raw", owners=["team:data"], kinds=["python"], tags={"tier": "bronze"}, code_version="1")
def orders() -> list[int]:
    \"\"\"Orders exported from the shop.\"\"\"
    print("loading orders from the shop")
    return [1, 2, 3]


@hw.asset(group="mart")
def revenue(context: hw.Context, orders: list[int]) -> hw.Output:
    context.log.info("summing %d orders", len(orders))
    return hw.Output(sum(orders), metadata={"rows": len(orders)})


@hw.asset(group="mart")
def model(context: hw.Context, config: ModelConfig, revenue: int) -> float:
    context.add_metadata({"learning_rate": config.learning_rate})
    return revenue * config.learning_rate


@hw.multi_asset(outs={"left": hw.AssetOut(), "right": hw.AssetOut()}, group="split")
def split(orders: list[int]) -> dict:
    return {"left": orders[:1], "right": orders[1:]}


@hw.check(asset=revenue)
def revenue_positive(revenue) -> hw.CheckResult:
    return hw.CheckResult(passed=revenue > 0)


defs = hw.Definitions(assets=[orders, revenue, model, split], checks=[revenue_positive])
"""

FAILING = """
import headwater as hw


@hw.asset
def source() -> int:
    return 1


@hw.asset
def broken(source: int) -> int:
    print("about to fail in broken")
    raise ValueError("the warehouse is on fire")


@hw.asset
def after(broken: int) -> int:
    return broken


defs = hw.Definitions(assets=[source, broken, after])
"""

CYCLE = """
import headwater as hw


@hw.asset
def chicken(egg: int) -> int:
    return egg


@hw.asset
def egg(chicken: int) -> int:
    return chicken


defs = hw.Definitions(assets=[chicken, egg])
"""


def write(tmp_path: Path, name: str, source: str) -> Path:
    """Write a Python source file into ``tmp_path``."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def run(*args: str, ok: bool | None = None) -> Result:
    """Invoke the CLI in-process; ``ok=True`` asserts exit 0 and shows the output when it is not."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, f"{args}: exit {result.exit_code}\n{result.output}"
    return result


def flat(text: str) -> str:
    """Text with runs of whitespace made single spaces (Rich and Click wrap lines)."""
    return " ".join(text.split())


def invoke(args: Sequence[str]) -> Result:
    """Invoke the CLI in-process, keeping exceptions for the test to inspect."""
    return CliRunner().invoke(cli, list(args))
