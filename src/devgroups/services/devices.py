"""The device registry: products, devices, and the binding of devices to users."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from devgroups.domain.devices import DeviceInfo, Product, check_bind, check_unbind
from devgroups.domain.errors import DeviceExists, ProductExists, UnknownUser
from devgroups.domain.model import Device
from devgroups.services.clock import now_ms
from devgroups.store.ports import Store, Tx


def add_product(store: Store, mid: str, prodkey: str, name: str) -> Product:
    """Register a product; registering it again with the same key changes nothing."""
    product = Product(mid, prodkey, name)
    with store.write() as tx:
        known = tx.product(mid)
        if known is not None and known.prodkey != prodkey:
            raise ProductExists(f"{ProductExists.desc}: {mid}")
        if known is None:
            tx.insert_product(product, now_ms())
    return known or product


def register_device(
    store: Store,
    dev_tid: str,
    ctrl_key: str,
    mid: str,
    bind_key: str | None = None,
    owner: str | None = None,
) -> Device:
    """Register a device, bound to the account named owner when one is given."""
    with store.write() as tx:
        owner_uid = _uid_of(tx, owner)
        if tx.devices([dev_tid]):
            raise DeviceExists(f"Device already exists: {dev_tid}")
        device = Device(dev_tid, ctrl_key, bind_key or secrets.token_hex(16), mid, owner_uid)
        now = now_ms()
        tx.insert_device(device, now)
        if owner_uid is not None:
            tx.bind_device(dev_tid, owner_uid, None, None, now)
    return device


def bind(
    store: Store, uid: str, dev_tid: str, bind_key: str, name: str | None, desc: str | None
) -> DeviceInfo:
    with store.write() as tx:
        check_bind(uid, tx.devices([dev_tid]).get(dev_tid), dev_tid, bind_key)
        tx.bind_device(dev_tid, uid, name, desc, now_ms())
        (info,) = tx.device_infos(uid, 0, 1, dev_tid)
    return info


def unbind(store: Store, uid: str, dev_tid: str, bind_key: str | None) -> None:
    """Unbind a device; it leaves the user's groups in the same transaction."""
    with store.write() as tx:
        check_unbind(uid, tx.devices([dev_tid]).get(dev_tid), dev_tid, bind_key)
        tx.lock_groups(uid)
        tx.leave_groups(uid, dev_tid)
        tx.unbind_device(dev_tid)


def list_devices(
    store: Store, uid: str, page: int, size: int, dev_tid: str | None = None
) -> list[DeviceInfo]:
    with store.read() as tx:
        return tx.device_infos(uid, page * size, size, dev_tid)


def login_record(store: Store, dev_tid: str) -> tuple[Device, str | None] | None:
    """The device and its product's key, for a device logging in; None if unknown."""
    with store.read() as tx:
        return tx.login_record(dev_tid)


def record_logins(store: Store, logins: Sequence[tuple[str, int]]) -> None:
    """Store when devices last logged in, many at once."""
    if logins:
        with store.write() as tx:
            tx.record_logins(logins)


def ensure_devices(
    store: Store, mid: str, dev_tids: Sequence[str], owner: str | None
) -> list[Device]:
    """Register the devices of product mid that are missing, in one transaction.

    Devices registered already keep their keys; unbound ones are bound to owner when given.
    """
    with store.write() as tx:
        owner_uid = _uid_of(tx, owner)
        known = tx.devices(dev_tids)
        now = now_ms()
        result = []
        for dev_tid in dev_tids:
            device = known.get(dev_tid)
            if device is None:
                device = Device(dev_tid, secrets.token_hex(8), secrets.token_hex(16), mid, None)
                tx.insert_device(device, now)
            elif device.mid != mid:
                raise DeviceExists(f"Device already exists with another product: {dev_tid}")
            if device.owner_uid is None and owner_uid is not None:
                tx.bind_device(dev_tid, owner_uid, None, None, now)
                device = Device(device.dev_tid, device.ctrl_key, device.bind_key, mid, owner_uid)
            result.append(device)
    return result


def _uid_of(tx: Tx, username: str | None) -> str | None:
    if username is None:
        return None
    user = tx.user_by_name(username)
    if user is None:
        raise UnknownUser(f"User does not exist: {username}")
    return user.uid
