"""A small machine-learning project: customers -> features -> churn model -> predictions."""
