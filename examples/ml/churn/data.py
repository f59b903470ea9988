"""The raw data: customers generated from a seed, with whether each one churned."""

from __future__ import annotations

import numpy as np
import pandas as pd

import headwater as hw

PLANS = ("basic", "plus", "pro")


class CustomerData(hw.Config):
    """How much data to generate; change the seed to get a new sample (``--config``)."""

    rows: int = 2000
    seed: int = 7


@hw.asset(group="raw", io_manager="lake", code_version="1")
def customers(config: CustomerData) -> pd.DataFrame:
    """Customers with their tenure, spend, support calls and plan, and whether they churned."""
    rng = np.random.default_rng(config.seed)
    n = config.rows
    tenure = rng.integers(1, 72, n)
    spend = rng.normal(60, 20, n).clip(5, None).round(2)
    calls = rng.poisson(1.5, n)
    plan = rng.choice(PLANS, n, p=[0.5, 0.3, 0.2])
    score = -1.0 + 0.9 * calls - 0.05 * tenure + 0.015 * (spend - 60) + np.where(plan == "basic", 0.6, -0.4)
    churned = rng.random(n) < 1 / (1 + np.exp(-score))
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "tenure_months": tenure,
            "monthly_spend": spend,
            "support_calls": calls,
            "plan": plan,
            "churned": churned,
        }
    )
