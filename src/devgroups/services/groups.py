"""The six group calls of Hekr's user API, each one transaction."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from devgroups.domain.errors import GroupNotFound, InvalidToken
from devgroups.domain.model import (
    DeviceRef,
    Group,
    check_access,
    check_can_create,
    check_unique,
    devices_to_add,
    devices_to_remove,
    single_mid,
)
from devgroups.services.clock import now_ms
from devgroups.store.ports import Store, Tx
from devgroups.store.probe import ProbeUnavailable, VersionProbe


def create_group(store: Store, uid: str, name: str, desc: str, refs: Sequence[DeviceRef]) -> Group:
    check_unique(refs)
    with store.write() as tx:
        _lock(tx, uid)
        check_can_create(tx.count_groups(uid))
        known = tx.devices(ref.dev_tid for ref in refs)
        check_access(uid, refs, known)
        group = Group(
            group_id=uuid.uuid4().hex,
            owner_uid=uid,
            name=name,
            desc=desc,
            mid=single_mid(refs, known),
            members=tuple(refs),
            create_time=now_ms(),
            update_time=None,
        )
        tx.insert_group(group)
    return group


def rename_group(store: Store, uid: str, group_id: str, new_name: str) -> None:
    with store.write() as tx:
        _lock(tx, uid)
        if not tx.owns_group(uid, group_id):
            raise GroupNotFound()
        tx.rename_group(group_id, new_name, now_ms())


def delete_group(store: Store, uid: str, group_id: str) -> None:
    with store.write() as tx:
        _lock(tx, uid)
        if not tx.owns_group(uid, group_id):
            raise GroupNotFound()
        tx.delete_group(group_id)


def add_devices(store: Store, uid: str, group_id: str, refs: Sequence[DeviceRef]) -> None:
    """Add devices to a group; devices already in it stay as they are."""
    check_unique(refs)
    with store.write() as tx:
        _lock(tx, uid)
        group = _owned_group(tx, uid, group_id)
        known = tx.devices(ref.dev_tid for ref in refs)
        check_access(uid, refs, known)
        new = devices_to_add(group, single_mid(refs, known), refs)
        if new:
            tx.add_members(group_id, [ref.dev_tid for ref in new])
            tx.touch_group(group_id, now_ms())


def remove_devices(store: Store, uid: str, group_id: str, refs: Sequence[DeviceRef]) -> None:
    """Remove devices from a group; devices that are not in it are passed over."""
    check_unique(refs)
    with store.write() as tx:
        _lock(tx, uid)
        group = _owned_group(tx, uid, group_id)
        check_access(uid, refs, tx.devices(ref.dev_tid for ref in refs))
        leaving = devices_to_remove(group, refs)
        if leaving:
            tx.remove_members(group_id, [ref.dev_tid for ref in leaving])
            tx.touch_group(group_id, now_ms())


def _lock(tx: Tx, uid: str) -> None:
    if not tx.lock_groups(uid):
        raise InvalidToken("Invalid token: no such user")


def _owned_group(tx: Tx, uid: str, group_id: str) -> Group:
    # Another user's group is answered exactly as a group that does not exist.
    group = tx.get_group(uid, group_id)
    if group is None:
        raise GroupNotFound()
    return group


@dataclass(frozen=True, slots=True, eq=False)
class Listing:
    """A user's groups as of one version of them."""

    version: int
    groups: tuple[Group, ...]
    # What callers derive from this listing (response bodies): it lives and dies with it.
    memo: dict[str | None, bytes] = field(default_factory=dict)

    def find(self, group_id: str) -> Group:
        for group in self.groups:
            if group.group_id == group_id:
                return group
        raise GroupNotFound()


class GroupReader:
    """Lists groups, reusing the last listing while the user's groups version is unchanged.

    The version lives in the database and every group change bumps it in its own
    transaction, so the cache stays right when other processes or nodes write.
    """

    def __init__(self, store: Store, probe: VersionProbe | None, capacity: int = 1024) -> None:
        self._store = store
        self._probe = probe
        self._capacity = capacity
        self._cache: OrderedDict[str, Listing] = OrderedDict()
        self._lock = threading.Lock()

    def fresh(self, uid: str) -> Listing | None:
        """Return the cached listing if the probe confirms it is current; never blocks."""
        with self._lock:
            cached = self._cache.get(uid)
        if cached is None or self._probe is None:
            return None
        try:
            version = self._probe.groups_version(uid)
        except ProbeUnavailable:
            return None
        if version is None:
            raise InvalidToken("Invalid token: no such user")
        return cached if version == cached.version else None

    async def current(self, uid: str) -> Listing:
        """The user's current listing: from the cache if confirmed, else read in a thread."""
        listing = self.fresh(uid)
        if listing is None:
            listing = await asyncio.to_thread(self.listing, uid)
        return listing

    def listing(self, uid: str) -> Listing:
        """Return the user's current listing, reading it in a transaction if it changed."""
        with self._store.read() as tx:
            version = tx.groups_version(uid)
            if version is None:
                raise InvalidToken("Invalid token: no such user")
            with self._lock:
                cached = self._cache.get(uid)
            if cached is not None and cached.version == version:
                return cached
            listing = Listing(version, tuple(tx.list_groups(uid)))
        with self._lock:
            self._cache[uid] = listing
            self._cache.move_to_end(uid)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return listing
