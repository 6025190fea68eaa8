"""Plain functions that make test data through the real services."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

from devgroups.domain.model import DeviceRef
from devgroups.services import accounts, devices
from devgroups.store.ports import Store

_serial = itertools.count()


def make_user(store: Store, name: str | None = None, password: str = "secret-pw") -> str:
    return accounts.create_user(store, name or f"user{next(_serial)}", password)


def make_devices(
    store: Store, owner: str | None, count: int, mid: str = "01d838"
) -> list[DeviceRef]:
    """Register count devices of product mid, bound to the account named owner."""
    refs = []
    for _ in range(count):
        dev_tid = f"ESP_{secrets.token_hex(6)}"
        device = devices.register_device(store, dev_tid, secrets.token_hex(8), mid, owner=owner)
        refs.append(DeviceRef(device.dev_tid, device.ctrl_key))
    return refs


def device_json(refs: list[DeviceRef]) -> list[dict[str, str]]:
    return [{"devTid": r.dev_tid, "ctrlKey": r.ctrl_key} for r in refs]


def token_claims(uid: str, **override: Any) -> dict[str, Any]:
    """The claims devgroups puts in an access token, valid for a minute unless overridden."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "uid": uid,
        "type": "WEB",
        "iss": "devgroups",
        "iat": now,
        "exp": now + 60,
        "jti": "x",
        "authorities": ["ROLE_USER"],
    }
    claims.update(override)
    return claims
