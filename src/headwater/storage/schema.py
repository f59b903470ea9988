"""The tables of the event log, declared once on one MetaData for SQLite and PostgreSQL.

Owns table, column and index definitions at the latest schema version; it runs no SQL and
does not migrate (see ``migrations``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# BIGINT on PostgreSQL; INTEGER PRIMARY KEY on SQLite so the id is the rowid (fast, autoincrementing).
_Id = BigInteger().with_variant(Integer(), "sqlite")

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(255), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("started_at", Double),
    Column("finished_at", Double),
    Column("selection", Text, nullable=False),
    Column("asset_keys", Text, nullable=False),  # JSON list of "a/b" strings
    Column("partition", String(255)),
    Column("tags", Text, nullable=False),  # JSON object
    Column("config", Text, nullable=False),  # JSON object
    Column("parent_run_id", String(255)),
    Column("error", Text),
    Index("ix_runs_created_at", "created_at"),
    Index("ix_runs_status", "status"),
)

events = Table(
    "events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("run_id", String(255), nullable=False),
    Column("type", String(64), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("step_key", String(512)),
    Column("asset_key", String(512)),  # "a/b"
    Column("partition", String(255)),
    Column("data", Text, nullable=False),  # compact JSON object
    Index("ix_events_run_id_id", "run_id", "id"),
    Index("ix_events_asset_key_type_id", "asset_key", "type", "id"),
)

asset_latest = Table(
    "asset_latest",
    metadata,
    Column("asset_key", String(512), primary_key=True),
    Column("partition", String(255), primary_key=True),  # '' for unpartitioned
    Column("kind", String(32), primary_key=True),  # materialization | observation | failure
    Column("event_id", _Id, nullable=False),
    Column("run_id", String(255), nullable=False),
    Column("timestamp", Double, nullable=False),
)

step_logs = Table(
    "step_logs",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("run_id", String(255), nullable=False),
    Column("step_key", String(512), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_step_logs_run_id_id", "run_id", "id"),
)

# -- schema version 2: dynamic partitions and backfills ----------------------------------------

dynamic_partitions = Table(
    "dynamic_partitions",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),  # keeps the order keys were added in
    Column("name", String(255), nullable=False),
    Column("partition_key", String(255), nullable=False),
    Column("created_at", Double, nullable=False),
    Index("ux_dynamic_partitions_name_key", "name", "partition_key", unique=True),
)

backfills = Table(
    "backfills",
    metadata,
    Column("backfill_id", String(255), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("selection", Text, nullable=False),
    Column("request", Text, nullable=False),  # JSON: what to run, with partitions as ranges
    Column("total", Integer, nullable=False),  # runs planned
    Column("succeeded", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("error", Text),
    Index("ix_backfills_created_at", "created_at"),
)

backfill_runs = Table(
    "backfill_runs",
    metadata,
    Column("backfill_id", String(255), primary_key=True),
    Column("unit", Integer, primary_key=True, autoincrement=False),  # position in the backfill's plan
    Column("run_id", String(255)),
    Column("partition", String(255)),  # a key, or START...END for a run over a range
    Column("status", String(32), nullable=False),
)

V1_TABLES = (schema_version, runs, events, asset_latest, step_logs)
"""Tables of schema version 1 (what the first migration creates)."""

V2_TABLES = (dynamic_partitions, backfills, backfill_runs)
"""Tables added by schema version 2."""

# -- schema version 3: automation (instigators, ticks, condition evaluations, daemon lease, run queue) --

instigators = Table(
    "instigators",
    metadata,
    Column("name", String(255), primary_key=True),  # a schedule's or sensor's name, or "asset_automation"
    Column("kind", String(32), nullable=False),  # schedule | sensor | asset_automation
    Column("enabled", Integer),  # 1 on, 0 off, NULL: the declared default_status
    Column("cursor", Text),
    Column("last_tick_at", Double),
    Column("updated_at", Double, nullable=False),
)

ticks = Table(
    "ticks",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("instigator", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("tick_key", String(512), nullable=False),  # idempotency: one tick per key, ever
    Column("timestamp", Double, nullable=False),
    Column("scheduled_at", Double),  # the cron tick a schedule tick is for
    Column("status", String(32), nullable=False),  # started | requested | skipped | failed
    Column("run_ids", Text, nullable=False),  # JSON list
    Column("cursor", Text),
    Column("error", Text),
    Column("data", Text, nullable=False),  # JSON object
    Index("ux_ticks_tick_key", "tick_key", unique=True),
    Index("ix_ticks_instigator_id", "instigator", "id"),
    Index("ix_ticks_timestamp", "timestamp"),
)

automation_evaluations = Table(
    "automation_evaluations",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("tick_id", BigInteger, nullable=False),
    Column("asset_key", String(512), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("requested", Integer, nullable=False),
    Column("run_id", String(255)),
    Column("detail", Text, nullable=False),  # JSON tree: each sub-condition and whether it was true
    Index("ix_automation_evaluations_asset_key_id", "asset_key", "id"),
    Index("ix_automation_evaluations_tick_id", "tick_id"),
)

asset_automation = Table(
    "asset_automation",
    metadata,
    Column("asset_key", String(512), primary_key=True),
    Column("evaluated_at", Double, nullable=False),
    Column("requested", Integer, nullable=False),
    Column("detail", Text, nullable=False),  # the latest evaluation's JSON tree
    Column("last_requested_at", Double),
    Column("last_run_id", String(255)),
)

daemon_leases = Table(
    "daemon_leases",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("acquired_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
)

run_workers = Table(
    "run_workers",
    metadata,
    Column("run_id", String(255), primary_key=True),
    Column("location", Text),  # JSON code location of a queued run
    Column("priority", Integer, nullable=False),
    Column("queued_at", Double),
    Column("launched_at", Double),
    Column("heartbeat_at", Double),
    Column("cancel_requested_at", Double),
    Column("worker", String(255)),  # host:pid of the process running it
)

V3_TABLES = (instigators, ticks, automation_evaluations, asset_automation, daemon_leases, run_workers)
"""Tables added by schema version 3."""

# -- schema version 4: pool slots --------------------------------------------------------------

pool_slots = Table(
    "pool_slots",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("pool", String(255), nullable=False),  # a name from @hw.asset(pool=...)
    Column("run_id", String(255), nullable=False),  # slots of runs no longer started do not count
    Column("step_key", String(512), nullable=False),
    Column("acquired_at", Double, nullable=False),
    Index("ix_pool_slots_pool", "pool"),
)

V4_TABLES = (pool_slots,)
"""Tables added by schema version 4."""

# -- schema version 5: the latest verdict of every check ----------------------------------------

check_latest = Table(
    "check_latest",
    metadata,
    Column("asset_key", String(512), primary_key=True),
    Column("check_name", String(255), primary_key=True),
    Column("partition", String(255), primary_key=True),  # '' for unpartitioned
    Column("event_id", _Id, nullable=False),
    Column("run_id", String(255), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("outcome", String(16), nullable=False),  # passed | failed | warned
    Column("blocking", Integer, nullable=False),
)

V5_TABLES = (check_latest,)
"""Tables added by schema version 5."""

# -- schema version 6: users and their API tokens ------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("password_hash", Text),  # argon2; NULL for users who only sign in through a proxy or a token
    Column("role", String(16), nullable=False),  # viewer | launcher | editor | admin
    Column("scope", String(512), nullable=False),  # '' (everything), group:NAME or a key prefix
    Column("created_at", Double, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),  # the public part of the token
    Column("user_name", String(255), nullable=False),
    Column("secret_hash", String(128), nullable=False),  # sha256 of the secret part; the secret is never stored
    Column("label", String(255), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double),
    Column("revoked_at", Double),
    Index("ix_api_tokens_user_name", "user_name"),
)

V6_TABLES = (users, api_tokens)
"""Tables added by schema version 6."""
