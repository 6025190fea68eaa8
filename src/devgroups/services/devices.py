"""The device registry: devices of a product, known by devTid, bound to at most one user."""

from __future__ import annotations

import secrets

from devgroups.domain.errors import DeviceExists, UnknownUser
from devgroups.domain.model import Device
from devgroups.services.clock import now_ms
from devgroups.store.ports import Store


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
        owner_uid = None
        if owner is not None:
            user = tx.user_by_name(owner)
            if user is None:
                raise UnknownUser(f"User does not exist: {owner}")
            owner_uid = user.uid
        if tx.devices([dev_tid]):
            raise DeviceExists(f"Device already exists: {dev_tid}")
        device = Device(dev_tid, ctrl_key, bind_key or secrets.token_hex(16), mid, owner_uid)
        tx.insert_device(device, now_ms())
    return device
