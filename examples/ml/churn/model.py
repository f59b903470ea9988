"""Features, the churn model and its predictions.

The model is a scikit-learn pipeline pickled by the default IO manager; its test-set metrics
are recorded as metadata on each materialization, so the UI plots them run over run.
"""

from __future__ import annotations

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import headwater as hw

FEATURES = ["tenure_months", "monthly_spend", "support_calls", "plan_basic", "plan_plus", "plan_pro"]
TEST_SHARE = 0.25


@hw.asset(group="features", io_manager="lake")
def features(customers: pd.DataFrame) -> pd.DataFrame:
    """Model inputs: numbers kept, the plan one-hot encoded, every fourth customer held out for testing."""
    plans = pd.get_dummies(customers["plan"], prefix="plan").reindex(
        columns=["plan_basic", "plan_plus", "plan_pro"], fill_value=False
    )
    table = pd.concat([customers.drop(columns=["plan"]), plans.astype(int)], axis=1)
    table["split"] = ["test" if i % round(1 / TEST_SHARE) == 0 else "train" for i in range(len(table))]
    return table


@hw.asset(group="ml", code_version="1")
def churn_model(features: pd.DataFrame) -> hw.Output[Pipeline]:
    """A logistic regression of churn on the features; test-set metrics recorded as metadata."""
    train = features[features["split"] == "train"]
    test = features[features["split"] == "test"]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(train[FEATURES], train["churned"])
    predicted = model.predict(test[FEATURES])
    scores = model.predict_proba(test[FEATURES])[:, 1]
    metrics = {
        "accuracy": round(float(accuracy_score(test["churned"], predicted)), 4),
        "precision": round(float(precision_score(test["churned"], predicted, zero_division=0)), 4),
        "recall": round(float(recall_score(test["churned"], predicted, zero_division=0)), 4),
        "f1": round(float(f1_score(test["churned"], predicted, zero_division=0)), 4),
        "roc_auc": round(float(roc_auc_score(test["churned"], scores)), 4),
        "train_rows": len(train),
        "test_rows": len(test),
    }
    return hw.Output(model, metadata=metrics)


@hw.asset(group="ml", io_manager="lake")
def predictions(context: hw.Context, churn_model: Pipeline, features: pd.DataFrame) -> pd.DataFrame:
    """Each customer's churn probability from the stored model, and who to call first."""
    probability = churn_model.predict_proba(features[FEATURES])[:, 1]
    out = pd.DataFrame({"customer_id": features["customer_id"], "churn_probability": probability.round(4)})
    out["at_risk"] = out["churn_probability"] >= 0.5
    context.add_metadata({"at_risk": int(out["at_risk"].sum()), "mean_probability": float(probability.mean())})
    return out
