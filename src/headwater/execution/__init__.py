"""Execution: plan -> steps -> events, through one scheduling loop over a pool."""
