"""The churn example end to end: metrics recorded per run, the stored model reloaded by predictions."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

ML_DIR = Path(__file__).resolve().parents[2] / "examples" / "ml"
if str(ML_DIR) not in sys.path:
    sys.path.insert(0, str(ML_DIR))

from churn.definitions import build  # noqa: E402
from churn.model import FEATURES  # noqa: E402

import headwater as hw  # noqa: E402
from headwater.storage import Storage  # noqa: E402


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    with hw.Instance(
        Storage.open(f"sqlite:///{tmp_path / 'hw.db'}", migrate=True), hw.FilesystemIOManager(tmp_path / "values")
    ) as inst:
        yield inst


def test_two_runs_record_metrics_and_predictions_use_the_stored_model(tmp_path: Path, instance: hw.Instance) -> None:
    defs = build(tmp_path / "lake")
    first = instance.materialize(defs).raise_on_failure()
    second = instance.materialize(defs, config={"customers": {"seed": 8}}).raise_on_failure()

    accuracy = instance.metadata_history("churn_model", "accuracy")
    assert [p.run_id for p in accuracy] == [first.run_id, second.run_id]
    assert all(0.7 < p.value <= 1.0 for p in accuracy)
    assert accuracy[0].value != accuracy[1].value  # a new sample, a new model
    roc = instance.metadata_history("churn_model", "roc_auc")
    assert all(p.value > 0.75 for p in roc)
    assert second.metadata_of("churn_model")["test_rows"] == 500

    # predictions were made by the pickled model the second run stored, reloaded from disk
    model = second.value_of("churn_model")
    features = second.value_of("features")
    predictions = second.value_of("predictions")
    assert isinstance(predictions, pd.DataFrame)
    expected = model.predict_proba(features[FEATURES])[:, 1].round(4)
    assert predictions["churn_probability"].tolist() == expected.tolist()
    assert second.metadata_of("predictions")["at_risk"] == int((expected >= 0.5).sum())
    assert second.metadata_of("predictions")["rows"] == 2000
    assert (tmp_path / "lake" / "predictions.parquet").is_file()
    assert (tmp_path / "values" / "churn_model.pkl").is_file()

    lineage = hw.column_lineage(instance, defs, "predictions", column="customer_id")
    assert [r.asset for r in lineage.columns[0].upstream] == ["features", "customers"]
