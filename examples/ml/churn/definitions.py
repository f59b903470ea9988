"""The churn project's definitions: ``headwater`` loads ``defs`` from here.

DataFrames go to Parquet files under ``$CHURN_LAKE_DIR`` (default ``.headwater/lake``); the
model is pickled by the instance's default IO manager.
"""

from __future__ import annotations

import os
from pathlib import Path

import headwater as hw
from churn.data import customers
from churn.model import churn_model, features, predictions

LAKE_DIR_VAR = "CHURN_LAKE_DIR"


def build(lake_dir: str | os.PathLike[str]) -> hw.Definitions:
    """The project with its Parquet files under ``lake_dir``."""
    return hw.Definitions(
        assets=[customers, features, churn_model, predictions],
        checks=[hw.checks.not_null(predictions, ["churn_probability"]), hw.checks.unique(customers, ["customer_id"])],
        io_managers={"lake": hw.ParquetIOManager(lake_dir)},
    )


defs = build(os.environ.get(LAKE_DIR_VAR) or Path(".headwater") / "lake")
