"""Step retries: hw.Retry on an asset puts a failed step back in line."""

from typing import Any

import pytest

import headwater as hw
from headwater.events import EventType


def flaky(failures: int) -> Any:
    calls = {"n": 0}

    @hw.asset(name="flaky", retry=hw.Retry(max_retries=2, delay=0.01, backoff=2))
    def body() -> int:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise ConnectionError(f"attempt {calls['n']} lost the connection")
        return calls["n"]

    return body


@hw.asset
def after(flaky: int) -> int:
    return flaky * 10


def test_retries_until_success() -> None:
    result = hw.materialize([flaky(2), after])
    assert result.success
    assert result.value_of("after") == 30
    retries = result.of_type(EventType.STEP_RETRYING)
    assert [(e.data["attempt"], e.data["max_retries"]) for e in retries] == [(1, 2), (2, 2)]
    assert retries[0].data["error"] == "step 'flaky' failed: ConnectionError: attempt 1 lost the connection"
    assert [e.data["delay"] for e in retries] == [0.01, 0.02]
    starts = [e.data.get("attempt") for e in result.of_type(EventType.STEP_STARTED) if e.step_key == "flaky"]
    assert starts == [None, 1, 2]
    assert result.of_type(EventType.STEP_FAILED) == []


def test_gives_up_after_max_retries() -> None:
    result = hw.materialize([flaky(5), after])
    assert not result.success
    assert len(result.of_type(EventType.STEP_RETRYING)) == 2
    (failed,) = result.of_type(EventType.STEP_FAILED)
    assert "attempt 3 lost the connection" in failed.data["error"]
    assert [e.step_key for e in result.of_type(EventType.STEP_SKIPPED)] == ["after"]


def test_backoff_and_jitter() -> None:
    policy = hw.Retry(max_retries=3, delay=1.0, backoff=2.0)
    assert [policy.wait_before(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    jittered = hw.Retry(max_retries=1, delay=1.0, jitter=0.5)
    assert all(1.0 <= jittered.wait_before(1) <= 1.5 for _ in range(50))


def test_bad_policies_are_explained() -> None:
    with pytest.raises(hw.DefinitionError) as info:
        hw.Retry(max_retries=-1, backoff=0.5)
    assert "max_retries=-1 must be a whole number >= 0" in str(info.value)
    assert "backoff=0.5 must be >= 1" in str(info.value)
    with pytest.raises(hw.DefinitionError, match="retry= takes hw.Retry"):
        hw.asset(name="x", retry=3)(lambda: 1)  # type: ignore[arg-type]
