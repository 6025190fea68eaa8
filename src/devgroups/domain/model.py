"""Groups and the devices they hold, with the rules of Hekr's group API. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from devgroups.domain.errors import (
    DeviceNotFound,
    DeviceNotOwned,
    GroupFull,
    GroupLimitReached,
    GroupWouldBeEmpty,
    InvalidParam,
    MixedProducts,
    NoPrivilege,
)

MAX_GROUPS_PER_USER = 10
MAX_DEVICES_PER_GROUP = 512
MAX_TEXT_LENGTH = 128


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """A device as a request names it: its id and the control key that proves access."""

    dev_tid: str
    ctrl_key: str


@dataclass(frozen=True, slots=True)
class Device:
    dev_tid: str
    ctrl_key: str
    bind_key: str
    mid: str
    owner_uid: str | None


@dataclass(frozen=True, slots=True, eq=False)
class Group:
    group_id: str
    owner_uid: str
    name: str
    desc: str
    mid: str
    members: tuple[DeviceRef, ...]
    create_time: int
    update_time: int | None


def check_unique(refs: Sequence[DeviceRef], param: str = "deviceList") -> None:
    """Refuse a device list that names the same device twice."""
    seen: set[str] = set()
    for index, ref in enumerate(refs):
        if ref.dev_tid in seen:
            raise InvalidParam(f"{param}[{index}].devTid", f"device {ref.dev_tid} is listed twice")
        seen.add(ref.dev_tid)


def check_access(uid: str, refs: Sequence[DeviceRef], known: Mapping[str, Device]) -> None:
    """Check that every device exists, is the caller's, and is named with its right key."""
    check_unique(refs)
    for ref in refs:
        device = known.get(ref.dev_tid)
        if device is None:
            raise DeviceNotFound(f"Device with given devTid does not exist: {ref.dev_tid}")
        if device.owner_uid != uid:
            raise DeviceNotOwned(f"Device does not belong to user: {ref.dev_tid}")
        if device.ctrl_key != ref.ctrl_key:
            raise NoPrivilege(f"Has no privilege do that: wrong ctrlKey for {ref.dev_tid}")


def single_mid(refs: Sequence[DeviceRef], known: Mapping[str, Device]) -> str:
    """Return the one product (mid) of the devices; a group never mixes products."""
    mids = {known[ref.dev_tid].mid for ref in refs}
    if len(mids) != 1:
        raise MixedProducts(f"{MixedProducts.desc}: found {', '.join(sorted(mids))}")
    (mid,) = mids
    return mid


def check_can_create(existing_groups: int) -> None:
    if existing_groups >= MAX_GROUPS_PER_USER:
        raise GroupLimitReached(f"{GroupLimitReached.desc}: {MAX_GROUPS_PER_USER}")


def check_group_size(size: int) -> None:
    if size > MAX_DEVICES_PER_GROUP:
        raise GroupFull(f"{GroupFull.desc}: {size} > {MAX_DEVICES_PER_GROUP}")


def devices_to_add(group: Group, mid: str, refs: Iterable[DeviceRef]) -> list[DeviceRef]:
    """Return the devices that are not members yet; adding a member again changes nothing."""
    if mid != group.mid:
        raise MixedProducts(f"{MixedProducts.desc}: the group is {group.mid}, devices are {mid}")
    present = {member.dev_tid for member in group.members}
    new = [ref for ref in refs if ref.dev_tid not in present]
    check_group_size(len(present) + len(new))
    return new


def devices_to_remove(group: Group, refs: Iterable[DeviceRef]) -> list[DeviceRef]:
    """Return the members among refs; the group must keep at least one device."""
    present = {member.dev_tid for member in group.members}
    leaving = [ref for ref in refs if ref.dev_tid in present]
    if len(leaving) == len(present):
        raise GroupWouldBeEmpty()
    return leaving
