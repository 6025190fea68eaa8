"""Products and the binding of devices to users. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from devgroups.domain.errors import (
    AlreadyBound,
    BindKeyWrong,
    BoundToAnother,
    DeviceNotFound,
    DeviceNotOwned,
)
from devgroups.domain.model import Device

MAX_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Product:
    mid: str
    prodkey: str
    name: str


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A device as the device API shows it to its owner."""

    device: Device
    device_name: str | None
    desc: str | None
    work_mode_type: str
    last_login_time: int | None
    product_name: str | None
    groups: tuple[tuple[str, str], ...]  # (groupId, groupName) of every group it is in


def check_bind(uid: str, device: Device | None, dev_tid: str, bind_key: str) -> Device:
    """Check that the caller may bind this device with this key; return the device."""
    if device is None:
        raise DeviceNotFound(f"Device with given devTid does not exist: {dev_tid}")
    if device.bind_key != bind_key:
        raise BindKeyWrong(f"{BindKeyWrong.desc}: wrong bindKey for {dev_tid}")
    if device.owner_uid == uid:
        raise AlreadyBound(f"{AlreadyBound.desc}: {dev_tid} is yours already")
    if device.owner_uid is not None:
        raise BoundToAnother(f"{BoundToAnother.desc}: {dev_tid} is bound to another user")
    return device


def check_unbind(uid: str, device: Device | None, dev_tid: str, bind_key: str | None) -> Device:
    """Check that the caller may unbind this device (with its bindKey, when one is given)."""
    if device is None:
        raise DeviceNotFound(f"Device with given devTid does not exist: {dev_tid}")
    if device.owner_uid != uid:
        raise DeviceNotOwned(f"Device does not belong to user: {dev_tid}")
    if bind_key is not None and bind_key != device.bind_key:
        raise BindKeyWrong(f"{BindKeyWrong.desc}: wrong bindKey for {dev_tid}")
    return device
