"""What every reply on both channels looks like."""

from __future__ import annotations

from typing import Any


def response(
    msg_id: Any, action: str, code: int, desc: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``{"msgId", "action": "<action>Resp", "code", "desc"[, "params"]}``, as Hekr's."""
    answer: dict[str, Any] = {"msgId": msg_id, "action": f"{action}Resp", "code": code}
    answer["desc"] = desc
    if params is not None:
        answer["params"] = params
    return answer
