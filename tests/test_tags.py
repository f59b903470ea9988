"""The reserved run tags: one ``headwater/`` namespace, and runs tagged the old ``headwater.`` way still read."""

from __future__ import annotations

from pathlib import Path

import pytest

import headwater as hw
from headwater import tags
from headwater.automation.requests import priority_of
from headwater.automation.retries import max_retries_of
from headwater.errors import SelectionError
from headwater.graph.reexecution import reexecution_tags
from headwater.web.launch import launch_status


def test_every_reserved_tag_is_under_the_namespace() -> None:
    names = [
        value for name, value in vars(tags).items() if name.isupper() and name not in {"NAMESPACE", "OLD_NAMESPACE"}
    ]
    assert len(names) >= 15
    assert all(isinstance(n, str) and n.startswith("headwater/") for n in names)


def test_a_tag_is_read_in_either_spelling_the_new_one_first() -> None:
    assert tags.tag_value({"headwater.priority": "3"}, tags.PRIORITY) == "3"
    assert tags.tag_value({"headwater/priority": "5", "headwater.priority": "3"}, tags.PRIORITY) == "5"
    assert tags.tag_value({"headwater/priority": "5"}, "headwater.priority") == "5"  # a config naming the old one
    assert tags.tag_value({"team": "x"}, "team") == "x"
    assert tags.tag_value({}, tags.PRIORITY) is None
    assert tags.without({"headwater.launch": "a", "headwater/launch": "b", "team": "x"}, tags.LAUNCH) == {"team": "x"}
    assert tags.is_reserved("headwater.sensor") and tags.is_reserved(tags.SENSOR) and not tags.is_reserved("team")


def test_a_run_tagged_the_old_way_is_still_read() -> None:
    old = hw.RunRecord(run_id="r1", tags={"headwater.max_retries": "2", "headwater.priority": "7"})
    assert max_retries_of(old, 0) == 2
    assert priority_of(old.tags, tags.PRIORITY, "run r1") == 7


def test_a_bad_old_style_tag_is_named_as_written() -> None:
    with pytest.raises(SelectionError, match=r"run r1: tag headwater\.priority='high' must be a whole number"):
        priority_of({"headwater.priority": "high"}, tags.PRIORITY, "run r1")
    with pytest.raises(SelectionError, match=r"run 'r1': tag headwater/max_retries='x' must be a whole number"):
        max_retries_of(hw.RunRecord(run_id="r1", tags={tags.MAX_RETRIES: "x"}), 0)


def test_a_launch_recorded_with_the_old_tag_is_found(tmp_path: Path) -> None:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        instance.storage.add_run(hw.RunRecord(run_id="launch1", tags={"headwater.launch": "launch1"}))
        assert launch_status(instance.storage, "launch1")["status"] == "pending"


def test_a_reexecution_of_an_old_style_run_keeps_its_root_and_drops_the_old_spellings() -> None:
    parent = hw.RunRecord(
        run_id="r2",
        tags={"headwater.root_run": "r1", "headwater.parent_run": "r1", "headwater.launch": "x", "team": "data"},
    )
    assert reexecution_tags(parent, {tags.RETRY_NUMBER: "1"}) == {
        "team": "data",
        "headwater/parent_run": "r2",
        "headwater/root_run": "r1",
        "headwater/retry_number": "1",
    }
