"""Retention: old runs (events, logs) and ticks are deleted in batches by age and count, by the
daemon and by ``headwater automation prune``, keeping each asset's latest events and the indexes whole."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import headwater as hw
from headwater.automation import AutomationConfig, Daemon
from headwater.automation.config import RetentionConfig
from headwater.automation.retention import prune
from headwater.cli.main import cli
from headwater.events import EventType
from headwater.storage.automation import AutomationStore
from headwater.storage.retention import RetentionStore


@hw.asset
def kept_once(context: hw.Context) -> int:
    context.log.info("only materialized in the first run")
    return 1


@hw.asset
def daily() -> int:
    return 2


def _three_runs(instance: hw.Instance) -> list[str]:
    first = hw.materialize([kept_once, daily], instance=instance)
    second = hw.materialize([kept_once, daily], "daily", instance=instance)
    third = hw.materialize([kept_once, daily], "daily", instance=instance)
    return [first.run_id, second.run_id, third.run_id]


def _latest_events_exist(instance: hw.Instance) -> None:
    for key, record in instance.storage.latest("materialization").items():
        ids = [r.id for r in instance.storage.get_events(record.event.run_id)]
        assert record.id in ids, f"the latest materialization of {key} was deleted"


def test_keep_runs_keeps_the_latest_materialization_of_every_asset(instance: hw.Instance) -> None:
    first, second, third = _three_runs(instance)
    before = {k: r.id for k, r in instance.storage.latest("materialization").items()}
    result = RetentionStore(instance.storage).prune_runs(before=None, keep=1, batch_size=1)
    # The second run is gone; the first holds kept_once's latest materialization, so its row and that
    # event stay while its other events (run and step events, logs) go.
    assert result.runs == [second]
    assert instance.storage.get_run(second) is None and instance.storage.get_events(second) == []
    assert instance.storage.get_run(first) is not None and instance.storage.get_run(third) is not None
    [remaining] = instance.storage.get_events(first)
    assert remaining.event.type is EventType.ASSET_MATERIALIZED and remaining.event.asset_key == hw.AssetKey(
        "kept_once"
    )
    assert {k: r.id for k, r in instance.storage.latest("materialization").items()} == before
    _latest_events_exist(instance)
    assert result.events > 0 and result.step_logs >= 1


def test_runs_older_than_the_age_limit_and_active_runs(instance: hw.Instance) -> None:
    runs = _three_runs(instance)
    queued = hw.RunRecord(run_id="waiting")
    instance.storage.add_run(queued)
    # Nothing is that old yet.
    limits = RetentionConfig(runs_days=1)
    assert prune(instance.storage, limits, time.time()).runs == []
    # A week later every finished run is past the limit; the queued run and the runs holding the
    # latest materializations (kept_once's in the first, daily's in the third) stay.
    result = prune(instance.storage, limits, time.time() + 7 * 86_400)
    assert result.runs == [runs[1]]
    assert instance.storage.get_run("waiting") is not None
    assert instance.storage.get_run(runs[0]) is not None and instance.storage.get_run(runs[2]) is not None
    _latest_events_exist(instance)


def test_ticks_by_count_per_instigator_with_their_evaluations(instance: hw.Instance) -> None:
    @hw.sensor(select="daily", interval=1)
    def poll() -> None:
        return None

    @hw.asset(automation=hw.on_missing())
    def auto() -> int:
        return 1

    defs = hw.Definitions(assets=[daily, auto], sensors=[poll])
    daemon = Daemon(instance.storage, defs, launch=False)
    for second in range(5):
        daemon.tick(now=1000.0 + 2 * second)
    store = AutomationStore(instance.storage)
    assert len(store.list_ticks("poll")) == 5 and len(store.list_ticks("asset_automation")) == 5
    result = RetentionStore(instance.storage).prune_ticks(before=None, keep=2, batch_size=2)
    assert result.ticks == 6
    assert [t.timestamp for t in store.list_ticks("poll")] == [1008.0, 1006.0]
    assert len(store.list_ticks("asset_automation")) == 2
    # The two evaluations recorded (requested, then in progress) were in deleted ticks and went with
    # them; the asset's latest state stays.
    assert result.evaluations == 2 and store.evaluations(hw.AssetKey("auto")) == []
    assert hw.AssetKey("auto") in store.asset_automation_states()


def test_the_daemon_applies_retention_periodically(instance: hw.Instance) -> None:
    _first, second, third = _three_runs(instance)
    config = AutomationConfig(retention=RetentionConfig(keep_runs=1, interval=3600))
    daemon = Daemon(instance.storage, hw.Definitions(assets=[kept_once, daily]), config=config, launch=False)
    summary = daemon.tick(now=time.time())
    assert summary.pruned is not None and summary.pruned["runs"] == 1
    assert instance.storage.get_run(second) is None
    fourth = hw.materialize([daily], instance=instance).run_id
    # Within the interval nothing is pruned; after it, the third run goes.
    assert daemon.tick(now=time.time() + 60).pruned is None
    later = daemon.tick(now=time.time() + 3700).pruned
    assert later is not None and later["runs"] == 1
    assert instance.storage.get_run(third) is None and instance.storage.get_run(fourth) is not None


def test_prune_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HEADWATER_HOME", str(home))
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    empty = runner.invoke(cli, ["automation", "prune"])
    assert empty.exit_code != 0
    assert "nothing to prune: no retention limits are set; add [retention] keep_runs = N" in empty.output
    with hw.Instance.get() as instance:
        _three_runs(instance)
    (tmp_path / "headwater.toml").write_text("[retention]\nkeep_runs = 3\n")
    done = runner.invoke(cli, ["automation", "prune", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["runs"] == 0
    # The option overrides the file: the second run goes (the others hold latest materializations).
    again = runner.invoke(cli, ["automation", "prune", "--keep-runs", "1"])
    assert again.exit_code == 0 and again.output.startswith("deleted 1 runs")


def test_the_older_daemon_settings_still_apply() -> None:
    from headwater.automation import DaemonConfig

    old = AutomationConfig(daemon=DaemonConfig(retention_days=3, keep_ticks=50))
    limits = old.retention_limits()
    assert (limits.runs_days, limits.ticks_days, limits.keep_ticks, limits.keep_runs) == (3, 3, 50, None)
    both = AutomationConfig(daemon=DaemonConfig(retention_days=3), retention=RetentionConfig(runs_days=10))
    assert (both.retention_limits().runs_days, both.retention_limits().ticks_days) == (10, 3)
    assert not AutomationConfig().retention_limits().enabled
