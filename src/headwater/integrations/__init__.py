"""Integrations with the tools Headwater's users already run: DuckDB, dbt, Spark.

Each integration is a module of its own that imports its library only when used;
this package imports none of them, so ``import headwater`` never needs an optional extra.
"""
