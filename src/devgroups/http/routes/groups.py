"""The six group calls of Hekr's user open API (群组), on the documented paths."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query, Response

from devgroups.domain.model import DeviceRef
from devgroups.http.deps import CurrentUser, Db, RuntimeDep
from devgroups.http.render import group_json, listing_body
from devgroups.http.schemas import (
    DeviceList,
    DeviceRefIn,
    GroupCreate,
    GroupOut,
    GroupRename,
    Ident,
)
from devgroups.http.specs import errors_of
from devgroups.services import groups

router = APIRouter(tags=["groups"])

GroupIdPath = Annotated[str, Path(min_length=1, max_length=128, description="Group id")]
GroupIdQuery = Annotated[str, Query(min_length=1, max_length=128, description="Group id")]
JSON = "application/json"


@router.post(
    "/group",
    status_code=201,
    response_model=GroupOut,
    responses=errors_of(400, 401, 403, 404, 409, 413),
)
def create_group(body: GroupCreate, user: CurrentUser, db: Db) -> Response:
    """Create a group of 1..512 devices of one product; a user has at most 10 groups."""
    group = groups.create_group(db, user.uid, body.groupName, body.desc, _refs(body.deviceList))
    return Response(orjson.dumps(group_json(group)), 201, media_type=JSON)


@router.get("/group", response_model=list[GroupOut], responses=errors_of(400, 401, 403, 404))
async def list_groups(
    user: CurrentUser,
    runtime: RuntimeDep,
    groupId: Annotated[Ident | None, Query(description="Only this group")] = None,  # noqa: N803
) -> Response:
    """List the caller's groups, or the one named by groupId."""
    listing = await runtime.groups.current(user.uid)
    return Response(listing_body(listing, groupId), media_type=JSON)


@router.put("/group/{groupId}", status_code=204, responses=errors_of(400, 401, 403, 404, 413))
def rename_group(groupId: GroupIdPath, body: GroupRename, user: CurrentUser, db: Db) -> None:  # noqa: N803
    """Rename a group."""
    groups.rename_group(db, user.uid, groupId, body.newGroupName)


@router.delete("/group", status_code=204, responses=errors_of(400, 401, 403, 404))
def delete_group(groupId: GroupIdQuery, user: CurrentUser, db: Db) -> None:  # noqa: N803
    """Delete a group; its devices stay bound to the caller."""
    groups.delete_group(db, user.uid, groupId)


@router.post("/group/{groupId}", status_code=201, responses=errors_of(400, 401, 403, 404, 409, 413))
def add_devices(groupId: GroupIdPath, body: DeviceList, user: CurrentUser, db: Db) -> Response:  # noqa: N803
    """Add devices of the group's product; the group never holds more than 512."""
    groups.add_devices(db, user.uid, groupId, _refs(body))
    return Response(status_code=201)


@router.delete(
    "/group/{groupId}", status_code=204, responses=errors_of(400, 401, 403, 404, 409, 413)
)
def remove_devices(groupId: GroupIdPath, body: DeviceList, user: CurrentUser, db: Db) -> None:  # noqa: N803
    """Remove devices from a group; it must keep at least one."""
    groups.remove_devices(db, user.uid, groupId, _refs(body))


def _refs(items: list[DeviceRefIn]) -> list[DeviceRef]:
    return [DeviceRef(item["devTid"], item["ctrlKey"]) for item in items]
