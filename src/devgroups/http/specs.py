"""How error answers are described in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from devgroups.http.schemas import ErrorOut

_MEANING = {
    400: "Invalid parameter (6400017, 5400017) or a body that is not JSON (6400024)",
    401: "No bearer token (3400014) or wrong username or password (3400001)",
    403: "Invalid or expired token (3400015), a device of another user (5400014), "
    "or a wrong ctrlKey (6400016)",
    404: "No such group of the caller (6400026), device (6400004) or command (6400037)",
    409: "A limit of the group API: 10 groups (6400027), 512 devices (6400028), "
    "one product (6400029), at least one device (6400030); a device bound already "
    "(5400013, 5400043); a command of the same Idempotency-Key still running (6400036)",
    422: "An Idempotency-Key sent again with another request (6400035)",
    429: "More group commands a second than allowed (400016)",
    413: "Body too large (6400031)",
}


def errors_of(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut, "description": _MEANING[status]} for status in statuses}
