"""Group ``ml``: a small revenue model, written by hand with the standard library.

Daily revenue is modelled as a linear function of a trend (days since the first
day) and the weekday (one indicator per weekday, Monday being the baseline),
fitted by (ridge-regularised) least squares. The last ``holdout_days`` days are
held out to measure the error; the published coefficients are then refitted on
every day.
"""

from __future__ import annotations

from datetime import date, timedelta

import pydantic

import headwater as hw
from shop.rows import DayFeatures, Forecast, RevenueModel

GROUP = "ml"
OWNERS = ["team:data-science"]
FORECAST_DAYS = 7
FEATURE_NAMES = ["intercept", "t", "tue", "wed", "thu", "fri", "sat", "sun"]


class ModelConfig(hw.Config):
    """How the revenue model is trained (run config under ``revenue_model``)."""

    ridge: float = pydantic.Field(default=0.0, ge=0.0, description="L2 penalty on every coefficient but the intercept")
    holdout_days: int = pydantic.Field(default=7, ge=1, le=28, description="trailing days kept out of training")


@hw.asset(group=GROUP, owners=OWNERS, code_version="1")
def features(daily_revenue: dict[str, float]) -> list[DayFeatures]:
    """One row per day: trend index, weekday (0 = Monday) and revenue (the target)."""
    first = date.fromisoformat(min(daily_revenue))
    return [
        DayFeatures(
            day=day,
            t=(date.fromisoformat(day) - first).days,
            weekday=date.fromisoformat(day).weekday(),
            revenue=revenue,
        )
        for day, revenue in sorted(daily_revenue.items())
    ]


def design_row(t: int, weekday: int) -> list[float]:
    """The regression inputs of one day, in the order of ``FEATURE_NAMES``."""
    return [1.0, float(t)] + [1.0 if weekday == w else 0.0 for w in range(1, 7)]


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve ``matrix @ x = vector`` by Gaussian elimination with partial pivoting."""
    n = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-12:
            raise ValueError(f"the design matrix is singular (feature '{FEATURE_NAMES[col]}'): add data or ridge")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            for c in range(col, n + 1):
                rows[r][c] -= factor * rows[col][c]
    x = [0.0] * n
    for r in reversed(range(n)):
        x[r] = (rows[r][n] - sum(rows[r][c] * x[c] for c in range(r + 1, n))) / rows[r][r]
    return x


def fit(rows: list[DayFeatures], ridge: float) -> list[float]:
    """Least-squares coefficients: solve (XᵀX + ridge·I') b = Xᵀy, leaving the intercept unpenalised."""
    xs = [design_row(r["t"], r["weekday"]) for r in rows]
    ys = [r["revenue"] for r in rows]
    k = len(FEATURE_NAMES)
    xtx = [[sum(x[i] * x[j] for x in xs) for j in range(k)] for i in range(k)]
    for i in range(1, k):
        xtx[i][i] += ridge
    xty = [sum(x[i] * y for x, y in zip(xs, ys, strict=True)) for i in range(k)]
    return solve(xtx, xty)


def predict(coefficients: list[float], t: int, weekday: int) -> float:
    """The model's revenue for a day."""
    return sum(b * x for b, x in zip(coefficients, design_row(t, weekday), strict=True))


@hw.asset(group=GROUP, owners=OWNERS, code_version="1", tags={"tier": "gold"})
def revenue_model(context: hw.Context, features: list[DayFeatures], config: ModelConfig) -> hw.Output[RevenueModel]:
    """Linear model of daily revenue (trend + weekday), with its holdout error (MAE) and R²."""
    if len(features) <= config.holdout_days + len(FEATURE_NAMES):
        raise ValueError(f"{len(features)} days is too few to hold out {config.holdout_days} and fit the model")
    train, holdout = features[: -config.holdout_days], features[-config.holdout_days :]
    trial = fit(train, config.ridge)
    errors = [r["revenue"] - predict(trial, r["t"], r["weekday"]) for r in holdout]
    mean = sum(r["revenue"] for r in holdout) / len(holdout)
    total = sum((r["revenue"] - mean) ** 2 for r in holdout)
    mae = sum(abs(e) for e in errors) / len(errors)
    r2 = 1.0 - sum(e * e for e in errors) / total if total else 0.0
    context.log.info("holdout of %d days: MAE %.2f, R² %.3f", len(holdout), mae, r2)
    model = RevenueModel(
        feature_names=list(FEATURE_NAMES),
        coefficients=fit(features, config.ridge),
        start_day=features[0]["day"],
        ridge=config.ridge,
        mae=round(mae, 2),
        r2=round(r2, 4),
    )
    return hw.Output(
        model,
        metadata={
            "mae": round(mae, 2),
            "r2": round(r2, 4),
            "ridge": config.ridge,
            "train_rows": len(train),
            "holdout_rows": len(holdout),
            "trend_per_day": round(model["coefficients"][1], 2),
        },
    )


@hw.asset(group=GROUP, owners=OWNERS)
def revenue_forecast(revenue_model: RevenueModel, features: list[DayFeatures]) -> hw.Output[list[Forecast]]:
    """Predicted revenue of each of the seven days after the last day with data."""
    start = date.fromisoformat(revenue_model["start_day"])
    last = date.fromisoformat(features[-1]["day"])
    forecast = []
    for n in range(1, FORECAST_DAYS + 1):
        day = last + timedelta(days=n)
        value = predict(revenue_model["coefficients"], (day - start).days, day.weekday())
        forecast.append(Forecast(day=day.isoformat(), predicted_revenue=round(max(value, 0.0), 2)))
    total = round(sum(f["predicted_revenue"] for f in forecast), 2)
    return hw.Output(forecast, metadata={"days": len(forecast), "total_predicted": total})
