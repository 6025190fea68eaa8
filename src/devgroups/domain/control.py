"""Group control: one command to every member, one outcome per member. Pure: no I/O."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from devgroups.domain.errors import InvalidParam

DEFAULT_TIMEOUT_MS = 3000
MIN_TIMEOUT_MS = 100
MAX_TIMEOUT_MS = 30_000
KEPT_RESULTS_PER_GROUP = 100
IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000
SUCCESS = 200


class Outcome(enum.StrEnum):
    SUCCEEDED = "succeeded"  # the device answered with code 200
    FAILED = "failed"  # the device answered with another code
    OFFLINE = "offline"  # not connected when sent, or gone before it answered
    TIMED_OUT = "timedOut"  # connected, but no answer by the deadline


@dataclass(frozen=True, slots=True)
class MemberResult:
    dev_tid: str
    outcome: Outcome
    code: int
    desc: str
    data: Any
    latency_ms: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "devTid": self.dev_tid,
            "outcome": self.outcome.value,
            "code": self.code,
            "desc": self.desc,
            "data": self.data,
            "latencyMs": self.latency_ms,
        }


def check_timeout(timeout_ms: int) -> None:
    if not MIN_TIMEOUT_MS <= timeout_ms <= MAX_TIMEOUT_MS:
        raise InvalidParam("timeout", f"{MIN_TIMEOUT_MS}..{MAX_TIMEOUT_MS} ms")


def check_data(data: Any) -> None:
    """Refuse what cannot be sent to a device as JSON (integers beyond 64 bits)."""
    try:
        orjson.dumps(data)
    except orjson.JSONEncodeError as err:
        raise InvalidParam("data", "integers must fit in 64 bits") from err


def request_hash(group_id: str, data: Any, timeout_ms: int) -> str:
    """What a retry must repeat exactly to count as the same command."""
    canonical = orjson.dumps(
        {"groupId": group_id, "data": data, "timeout": timeout_ms}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


def summarize(results: Sequence[MemberResult]) -> dict[str, Any]:
    counts = {outcome: 0 for outcome in Outcome}
    for result in results:
        counts[result.outcome] += 1
    succeeded = counts[Outcome.SUCCEEDED]
    if succeeded == len(results) and results:
        status = "all"
    elif succeeded == 0:
        status = "none"
    else:
        status = "partial"
    return {
        "total": len(results),
        "succeeded": succeeded,
        "failed": counts[Outcome.FAILED],
        "offline": counts[Outcome.OFFLINE],
        "timedOut": counts[Outcome.TIMED_OUT],
        "status": status,
    }


def result_json(
    command_id: str,
    group_id: str,
    group_mid: str,
    data: Any,
    timeout_ms: int,
    results: Sequence[MemberResult],
    started_at: int,
    finished_at: int,
) -> dict[str, Any]:
    """The answer to a group command, as the API gives it and as it is stored."""
    return {
        "commandId": command_id,
        "groupId": group_id,
        "groupMid": group_mid,
        "data": data,
        "timeout": timeout_ms,
        "members": [result.dev_tid for result in results],
        "summary": summarize(results),
        "results": [result.to_json() for result in results],
        "startedAt": started_at,
        "finishedAt": finished_at,
    }
