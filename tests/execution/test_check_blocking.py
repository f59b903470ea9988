"""Which failed checks stop downstream steps: blocking error-severity ones only."""

import headwater as hw
from headwater.events import EventType


@hw.asset
def rows() -> list[int]:
    return [1, 2, 3]


@hw.asset
def summed(rows: list[int]) -> int:
    return sum(rows)


def test_failed_blocking_warn_check_does_not_stop_downstream() -> None:
    @hw.check(asset=rows, blocking=True, severity="warn")
    def short(rows: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=len(rows) > 10, description="fewer rows than usual")

    result = hw.materialize(hw.Definitions(assets=[rows, summed], checks=[short]))
    assert result.success
    assert result.value_of("summed") == 6
    assert not result.of_type(EventType.STEP_SKIPPED)
    (check,) = result.of_type(EventType.CHECK_EVALUATED)
    assert check.data["passed"] is False
    assert check.data["severity"] == "warn"
    assert check.data["warned"] is True


def test_failed_blocking_error_check_still_stops_downstream() -> None:
    @hw.check(asset=rows, blocking=True)
    def short(rows: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=len(rows) > 10)

    result = hw.materialize(hw.Definitions(assets=[rows, summed], checks=[short]))
    assert not result.success
    assert [e.step_key for e in result.of_type(EventType.STEP_SKIPPED)] == ["summed"]
    (check,) = result.of_type(EventType.CHECK_EVALUATED)
    assert "warned" not in check.data


def test_passing_warn_check_is_not_marked_warned() -> None:
    @hw.check(asset=rows, blocking=True, severity="warn")
    def enough(rows: list[int]) -> hw.CheckResult:
        return hw.CheckResult(passed=True)

    result = hw.materialize(hw.Definitions(assets=[rows, summed], checks=[enough]))
    (check,) = result.of_type(EventType.CHECK_EVALUATED)
    assert result.success
    assert "warned" not in check.data
