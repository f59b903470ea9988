"""Resources: where the raw exports are read from and where reports are written.

Both are pydantic models configured in ``shop/definitions.py``; assets receive them
through parameters of the same name (``shop_data``, ``report_sink``).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pydantic

import headwater as hw
from shop.rows import RawRow

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
"""The CSV exports shipped with the example."""


def default_report_dir() -> str:
    """``reports/`` in the Headwater home: ``$HEADWATER_HOME``, else ``.headwater`` in the working directory."""
    home = os.environ.get("HEADWATER_HOME")
    base = Path(home).expanduser() if home else Path.cwd() / ".headwater"
    return str(base / "reports")


class ShopData(hw.Resource):
    """Read access to the shop's nightly CSV exports (orders, customers, products)."""

    data_dir: str = str(DATA_DIR)

    def path(self, table: str) -> Path:
        """The CSV file of ``table``."""
        return Path(self.data_dir) / f"{table}.csv"

    def read(self, table: str) -> list[RawRow]:
        """Every row of ``table`` as text, exactly as exported."""
        with self.path(table).open(newline="", encoding="utf-8") as handle:
            return [dict(row) for row in csv.DictReader(handle)]


class ReportSink(hw.Resource):
    """A folder where reports are written.

    Defaults to ``reports/`` in the Headwater home, so it works with no
    configuration; ``definitions.py`` uses ``hw.EnvVar("SHOP_REPORT_DIR")`` instead
    when that variable is set.
    """

    out_dir: str = pydantic.Field(default_factory=default_report_dir)

    def write(self, name: str, text: str) -> Path:
        """Write ``text`` to ``name`` in the folder (created if needed); returns the file's path."""
        folder = Path(self.out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path
