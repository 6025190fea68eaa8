"""The device calls of Hekr's user API: bind, list, unbind."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request, Response

from devgroups.domain.devices import MAX_PAGE_SIZE, DeviceInfo
from devgroups.http.deps import CurrentUser, Db, RuntimeDep
from devgroups.http.schemas import BindIn, DeviceOut, Ident
from devgroups.http.specs import errors_of
from devgroups.runtime import Runtime
from devgroups.services import devices

router = APIRouter(tags=["devices"])
JSON = "application/json"


@router.post(
    "/device",
    status_code=201,
    response_model=DeviceOut,
    responses=errors_of(400, 401, 403, 404, 409, 413),
)
def bind_device(
    body: BindIn, user: CurrentUser, db: Db, runtime: RuntimeDep, request: Request
) -> Response:
    """Bind a registered device to the caller with its bindKey."""
    info = devices.bind(db, user.uid, body.devTid, body.bindKey, body.deviceName, body.desc)
    runtime.gateway.owner_changed(body.devTid, user.uid)
    return Response(orjson.dumps(device_json(info, runtime, request)), 201, media_type=JSON)


@router.get("/device", response_model=list[DeviceOut], responses=errors_of(400, 401, 403))
def list_devices(
    user: CurrentUser,
    db: Db,
    runtime: RuntimeDep,
    request: Request,
    page: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    devTid: Ident | None = None,  # noqa: N803
) -> Response:
    """List the caller's devices, a page at a time (size <= 50), or the one named by devTid."""
    infos = devices.list_devices(db, user.uid, page, size, devTid)
    return Response(
        orjson.dumps([device_json(info, runtime, request) for info in infos]), media_type=JSON
    )


router.add_api_route(
    "/devices",
    list_devices,
    methods=["GET"],
    response_model=list[DeviceOut],
    responses=errors_of(400, 401, 403),
    summary="List Devices (the same as GET /device)",
)


@router.delete("/device/{devTid}", status_code=204, responses=errors_of(400, 401, 403, 404))
def unbind_device(
    devTid: Annotated[str, Path(min_length=1, max_length=128)],  # noqa: N803
    user: CurrentUser,
    db: Db,
    runtime: RuntimeDep,
    bindKey: Ident | None = None,  # noqa: N803
) -> None:
    """Unbind one of the caller's devices; it leaves all of the caller's groups."""
    devices.unbind(db, user.uid, devTid, bindKey)
    runtime.gateway.owner_changed(devTid, None)


def device_json(info: DeviceInfo, runtime: Runtime, request: Request) -> dict[str, Any]:
    device = info.device
    host = request.url.hostname or runtime.settings.host
    port = request.url.port or runtime.settings.port
    return {
        "devTid": device.dev_tid,
        "ctrlKey": device.ctrl_key,
        "bindKey": device.bind_key,
        "mid": device.mid,
        # Localised, as Hekr's (hekrapi reads productName["en_US"]).
        "productName": (
            {"en_US": info.product_name, "zh_CN": info.product_name}
            if info.product_name is not None
            else None
        ),
        "ownerUid": device.owner_uid,
        "deviceName": info.device_name or device.dev_tid,
        "desc": info.desc,
        "online": runtime.gateway.is_online(device.dev_tid),
        "workModeType": info.work_mode_type,
        "lastLoginTime": info.last_login_time,
        "groupInfo": [{"groupId": gid, "groupName": name} for gid, name in info.groups],
        "dcInfo": {
            "connectHost": host,
            "connectPort": port,
            "connectUrl": f"ws://{host}:{port}/ws",
        },
    }
