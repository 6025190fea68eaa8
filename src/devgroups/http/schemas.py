"""Request and response bodies, with the field names and limits of Hekr's documentation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    with_config,
)
from typing_extensions import TypedDict

from devgroups.domain.model import MAX_DEVICES_PER_GROUP, MAX_TEXT_LENGTH

# No control characters (PostgreSQL cannot even store NUL); names are not blank either.
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
_NOT_BLANK = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
Text128 = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=_NOT_BLANK)
]
Ident = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=_PRINTABLE)
]


class Body(BaseModel):
    # Unknown fields are ignored, never stored; types are never coerced ("1" is not 1).
    model_config = ConfigDict(extra="ignore", strict=True)


@with_config(ConfigDict(extra="ignore", strict=True))
class DeviceRefIn(TypedDict):
    """A device and its control key. A TypedDict: 512 of them validate 6x faster than models."""

    devTid: Annotated[Ident, Field(description="Device id")]
    ctrlKey: Annotated[Ident, Field(description="The device's control key")]


DeviceList = Annotated[list[DeviceRefIn], Field(min_length=1, max_length=MAX_DEVICES_PER_GROUP)]


class GroupCreate(Body):
    groupName: Text128
    deviceList: DeviceList
    desc: Text128


class GroupRename(Body):
    newGroupName: Text128


class DeviceRefOut(BaseModel):
    devTid: str
    ctrlKey: str


class GroupOut(BaseModel):
    groupName: str
    groupId: str
    deviceList: list[DeviceRefOut]
    desc: str
    createTime: int = Field(description="Epoch milliseconds")
    updateTime: int | None = Field(description="Epoch milliseconds; null until changed")
    groupMid: str = Field(description="The product (mid) of every device in the group")


class ErrorOut(BaseModel):
    code: int
    desc: str
    timestamp: int = Field(description="Epoch milliseconds")


class LoginIn(Body):
    username: Ident
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    pid: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "00000000000"
    clientType: Literal["ANDROID", "IOS", "WEB"] = "WEB"


def _integral(value: object) -> object:
    # JSON has one number type: 3600.0 is the integer 3600, as JSON Schema says.
    return int(value) if isinstance(value, float) and value.is_integer() else value


class RefreshIn(Body):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    expires_in: Annotated[int, Field(ge=60, le=86400), BeforeValidator(_integral)] | None = Field(
        default=None, description="Requested access token lifetime in seconds"
    )


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int
    jti: str
    user: str = Field(description="The uid")


class BindIn(Body):
    devTid: Ident
    bindKey: Ident
    deviceName: Text128 | None = None
    desc: Text128 | None = None


class GroupRefOut(BaseModel):
    groupId: str
    groupName: str


class DcInfoOut(BaseModel):
    connectHost: str = Field(description="Host of the app channel")
    connectPort: int = Field(description="Port of the app channel")
    connectUrl: str = Field(description="WebSocket URL of the app channel")


class DeviceOut(BaseModel):
    devTid: str
    ctrlKey: str
    bindKey: str
    mid: str
    productName: dict[str, str] | None = Field(description='Localised: {"en_US": ...}')
    ownerUid: str
    deviceName: str
    desc: str | None
    online: bool
    workModeType: str
    lastLoginTime: int | None = Field(description="Epoch milliseconds of the last devLogin")
    groupInfo: list[GroupRefOut]
    dcInfo: DcInfoOut


class ControlIn(Body):
    data: dict[str, Any] = Field(
        description='What each member receives as appSend data: {"cmdId": 2, "power": 1} '
        'in JSON_CTRL mode, {"raw": "48..."} in transparent modes'
    )
    timeout: Annotated[int, Field(ge=100, le=30_000), BeforeValidator(_integral)] = Field(
        default=3000, description="Milliseconds to wait for the members' answers"
    )


class MemberResultOut(BaseModel):
    devTid: str
    outcome: Literal["succeeded", "failed", "offline", "timedOut"]
    code: int = Field(description="The device's code (200: success), or the channel's")
    desc: str
    data: Any = Field(description="The data the device answered with")
    latencyMs: float | None = Field(description="From sending to its answer")


class SummaryOut(BaseModel):
    total: int
    succeeded: int
    failed: int
    offline: int
    timedOut: int
    status: Literal["all", "partial", "none"]


class ControlOut(BaseModel):
    commandId: str
    groupId: str
    groupMid: str
    data: dict[str, Any]
    timeout: int
    members: list[str] = Field(description="The devices the command was sent to")
    summary: SummaryOut
    results: list[MemberResultOut]
    startedAt: int
    finishedAt: int


class MemberStatusOut(BaseModel):
    devTid: str
    online: bool
    lastReport: Any = Field(description="The data of its last devSend, or null")
    reportedAt: int | None


class GroupStatusOut(BaseModel):
    groupId: str
    groupMid: str
    total: int
    online: int
    offline: int
    members: list[MemberStatusOut]
