"""The rules of groups, pure: no database, no HTTP."""

import pytest

from devgroups.domain import errors
from devgroups.domain.model import (
    MAX_DEVICES_PER_GROUP,
    Device,
    DeviceRef,
    Group,
    check_access,
    check_can_create,
    devices_to_add,
    devices_to_remove,
    single_mid,
)

ALICE = "10000000001"


def device(n: int, owner: str | None = ALICE, mid: str = "m1") -> Device:
    return Device(f"D{n}", f"k{n}", f"b{n}", mid, owner)


def ref(n: int) -> DeviceRef:
    return DeviceRef(f"D{n}", f"k{n}")


def group(*members: int, mid: str = "m1") -> Group:
    return Group("g", ALICE, "name", "desc", mid, tuple(ref(n) for n in members), 1, None)


def test_access_needs_every_device_to_exist_be_owned_and_keyed_right() -> None:
    known = {d.dev_tid: d for d in [device(1), device(2, owner="other")]}
    check_access(ALICE, [ref(1)], known)
    with pytest.raises(errors.DeviceNotFound, match="D9"):
        check_access(ALICE, [ref(1), ref(9)], known)
    with pytest.raises(errors.DeviceNotOwned, match="D2"):
        check_access(ALICE, [ref(2)], known)
    with pytest.raises(errors.NoPrivilege, match="D1"):
        check_access(ALICE, [DeviceRef("D1", "wrong")], known)


def test_unbound_device_is_not_the_callers() -> None:
    with pytest.raises(errors.DeviceNotOwned):
        check_access(ALICE, [ref(1)], {"D1": device(1, owner=None)})


def test_the_same_device_twice_is_an_invalid_parameter() -> None:
    with pytest.raises(errors.InvalidParam, match=r"deviceList\[2\]\.devTid"):
        check_access(ALICE, [ref(1), ref(2), ref(1)], {"D1": device(1), "D2": device(2)})


def test_devices_of_a_group_share_one_product() -> None:
    known = {"D1": device(1), "D2": device(2, mid="m2")}
    assert single_mid([ref(1)], known) == "m1"
    with pytest.raises(errors.MixedProducts, match="m1, m2"):
        single_mid([ref(1), ref(2)], known)


def test_a_user_has_at_most_ten_groups() -> None:
    check_can_create(9)
    with pytest.raises(errors.GroupLimitReached):
        check_can_create(10)


def test_adding_skips_members_and_refuses_another_product() -> None:
    assert devices_to_add(group(1, 2), "m1", [ref(2), ref(3)]) == [ref(3)]
    with pytest.raises(errors.MixedProducts):
        devices_to_add(group(1), "m2", [ref(3)])


def test_adding_never_passes_512_devices() -> None:
    full_but_one = group(*range(MAX_DEVICES_PER_GROUP - 1))
    assert devices_to_add(full_but_one, "m1", [ref(9999)]) == [ref(9999)]
    with pytest.raises(errors.GroupFull):
        devices_to_add(full_but_one, "m1", [ref(9998), ref(9999)])


def test_removing_passes_over_non_members_and_keeps_one_device() -> None:
    assert devices_to_remove(group(1, 2), [ref(2), ref(3)]) == [ref(2)]
    with pytest.raises(errors.GroupWouldBeEmpty):
        devices_to_remove(group(1, 2), [ref(1), ref(2)])
