"""Group control (群控): one command to every member, a result for each."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Path, Response

from devgroups.http.deps import CurrentUser, RuntimeDep
from devgroups.http.schemas import ControlIn, ControlOut, GroupStatusOut
from devgroups.http.specs import errors_of

router = APIRouter(tags=["group control"])

GroupIdPath = Annotated[str, Path(min_length=1, max_length=128, description="Group id")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="A retry with the same key answers the first command's result",
    ),
]
JSON = "application/json"


@router.post(
    "/group/{groupId}/control",
    response_model=ControlOut,
    responses=errors_of(400, 401, 403, 404, 409, 413, 422, 429),
)
async def control_group(
    groupId: GroupIdPath,  # noqa: N803
    body: ControlIn,
    user: CurrentUser,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Send data to every member at once; answer when all answered or the timeout passed."""
    result = await runtime.control.send(
        user.uid, groupId, body.data, body.timeout, key=idempotency_key
    )
    return Response(orjson.dumps(result), media_type=JSON)


@router.get(
    "/group/{groupId}/control/{commandId}",
    response_model=ControlOut,
    responses=errors_of(400, 401, 403, 404),
)
async def command_result(
    groupId: GroupIdPath,  # noqa: N803
    commandId: Annotated[str, Path(min_length=1, max_length=64)],  # noqa: N803
    user: CurrentUser,
    runtime: RuntimeDep,
) -> Response:
    """A past group command's result (the last 100 of each group are kept)."""
    result = await runtime.control.result(user.uid, groupId, commandId)
    return Response(orjson.dumps(result), media_type=JSON)


@router.get(
    "/group/{groupId}/status",
    response_model=GroupStatusOut,
    responses=errors_of(400, 401, 403, 404),
)
async def group_status(groupId: GroupIdPath, user: CurrentUser, runtime: RuntimeDep) -> Response:  # noqa: N803
    """Members online and offline, and the last state each reported."""
    return Response(orjson.dumps(await runtime.control.status(user.uid, groupId)), media_type=JSON)
