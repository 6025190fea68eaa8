"""The rules of group control, pure."""

import pytest

from devgroups.domain import control
from devgroups.domain.control import MemberResult, Outcome
from devgroups.domain.errors import InvalidParam


def member(outcome: Outcome) -> MemberResult:
    return MemberResult("d", outcome, 200, "", None, 1.0)


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ([Outcome.SUCCEEDED] * 3, "all"),
        ([Outcome.SUCCEEDED, Outcome.FAILED, Outcome.OFFLINE, Outcome.TIMED_OUT], "partial"),
        ([Outcome.FAILED, Outcome.OFFLINE, Outcome.TIMED_OUT], "none"),
    ],
)
def test_each_member_is_counted_once_and_the_status_follows(
    outcomes: list[Outcome], status: str
) -> None:
    summary = control.summarize([member(o) for o in outcomes])
    assert summary["status"] == status
    counted = summary["succeeded"] + summary["failed"] + summary["offline"] + summary["timedOut"]
    assert counted == summary["total"] == len(outcomes)


def test_the_timeout_is_bounded() -> None:
    control.check_timeout(100)
    control.check_timeout(30_000)
    for bad in (99, 30_001, 0, -1):
        with pytest.raises(InvalidParam, match="timeout"):
            control.check_timeout(bad)


def test_a_retry_must_repeat_the_request_exactly() -> None:
    same = control.request_hash("g", {"power": 1, "cmdId": 2}, 3000)
    assert same == control.request_hash("g", {"cmdId": 2, "power": 1}, 3000)  # key order
    assert same != control.request_hash("g", {"cmdId": 2, "power": 0}, 3000)
    assert same != control.request_hash("g", {"cmdId": 2, "power": 1}, 3001)
    assert same != control.request_hash("h", {"cmdId": 2, "power": 1}, 3000)


def test_data_a_device_cannot_be_sent_is_refused() -> None:
    control.check_data({"cmdId": 2, "power": 1, "big": 2**63 - 1})
    with pytest.raises(InvalidParam, match="data"):
        control.check_data({"cmdId": 2, "huge": 2**64})
