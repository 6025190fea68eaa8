"""The group services against a real SQLite database."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from devgroups.domain import errors
from devgroups.runtime import Runtime
from devgroups.services import groups
from tests.factories import make_devices, make_user


def run_together(count: int, call: Callable[[int], object]) -> list[object]:
    """Run call(i) for i in range(count) in threads released at the same instant."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = call(i)
        except Exception as exc:  # the outcome is what the test inspects
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_create_then_list_returns_the_group(runtime: Runtime) -> None:
    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 3)
    created = groups.create_group(runtime.store, uid, "走廊灯组", "corridor", refs)
    (listed,) = runtime.groups.listing(uid).groups
    assert listed.group_id == created.group_id
    assert listed.members == tuple(refs)
    assert (listed.name, listed.desc, listed.mid) == ("走廊灯组", "corridor", "01d838")
    assert listed.update_time is None


def test_listing_follows_writes_from_another_store(runtime: Runtime) -> None:
    from devgroups.store.engine import make_engine
    from devgroups.store.sql import SqlStore

    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 2)
    group = groups.create_group(runtime.store, uid, "g", "d", refs[:1])
    assert len(runtime.groups.listing(uid).find(group.group_id).members) == 1
    other = SqlStore(make_engine(runtime.settings.database_url))  # as a second process would
    try:
        groups.add_devices(other, uid, group.group_id, refs[1:])
    finally:
        other.engine.dispose()
    assert runtime.groups.listing(uid).find(group.group_id).members == tuple(refs)


def test_twenty_racing_creates_leave_exactly_ten_groups(runtime: Runtime) -> None:
    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 1)
    for i in range(9):
        groups.create_group(runtime.store, uid, f"g{i}", "d", refs)
    results = run_together(
        20, lambda i: groups.create_group(runtime.store, uid, f"r{i}", "d", refs)
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, errors.GroupLimitReached) for r in results if isinstance(r, Exception))
    assert len(runtime.groups.listing(uid).groups) == 10


def test_racing_additions_never_pass_512(runtime: Runtime) -> None:
    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 512 + 8 * 20)
    group = groups.create_group(runtime.store, uid, "g", "d", refs[:500])
    batches = [refs[512 + 20 * i : 512 + 20 * (i + 1)] for i in range(8)]
    results = run_together(
        8, lambda i: groups.add_devices(runtime.store, uid, group.group_id, batches[i])
    )
    assert sum(r is None for r in results) == 0
    assert all(isinstance(r, errors.GroupFull) for r in results)
    small = [refs[500 + i : 501 + i] for i in range(12)] + [refs[512:513]]
    results = run_together(
        13, lambda i: groups.add_devices(runtime.store, uid, group.group_id, small[i])
    )
    assert sum(r is None for r in results) == 12
    assert len(runtime.groups.listing(uid).find(group.group_id).members) == 512


def test_a_failed_batch_changes_nothing(runtime: Runtime) -> None:
    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 3)
    foreign = make_devices(runtime.store, None, 1)
    group = groups.create_group(runtime.store, uid, "g", "d", refs[:1])
    with pytest.raises(errors.DeviceNotOwned):
        groups.add_devices(runtime.store, uid, group.group_id, [refs[1], foreign[0], refs[2]])
    after = runtime.groups.listing(uid).find(group.group_id)
    assert after.members == (refs[0],)
    assert after.update_time is None


def test_another_users_group_looks_like_no_group(runtime: Runtime) -> None:
    alice = make_user(runtime.store, "alice")
    bob = make_user(runtime.store, "bob")
    refs = make_devices(runtime.store, "alice", 2)
    group = groups.create_group(runtime.store, alice, "g", "d", refs[:1])
    for attempt in (
        lambda: groups.rename_group(runtime.store, bob, group.group_id, "x"),
        lambda: groups.delete_group(runtime.store, bob, group.group_id),
        lambda: groups.add_devices(runtime.store, bob, group.group_id, refs[1:]),
        lambda: groups.remove_devices(runtime.store, bob, group.group_id, refs[:1]),
        lambda: runtime.groups.listing(bob).find(group.group_id),
    ):
        with pytest.raises(errors.GroupNotFound):
            attempt()


def test_a_device_may_be_in_several_groups(runtime: Runtime) -> None:
    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 1)
    first = groups.create_group(runtime.store, uid, "a", "d", refs)
    second = groups.create_group(runtime.store, uid, "b", "d", refs)
    listing = runtime.groups.listing(uid)
    assert listing.find(first.group_id).members == listing.find(second.group_id).members


def test_members_keep_their_order_across_removal_and_addition(runtime: Runtime) -> None:
    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 4)
    group = groups.create_group(runtime.store, uid, "g", "d", refs[:3])
    groups.remove_devices(runtime.store, uid, group.group_id, [refs[1]])
    groups.add_devices(runtime.store, uid, group.group_id, [refs[3], refs[1]])
    members = runtime.groups.listing(uid).find(group.group_id).members
    assert members == (refs[0], refs[2], refs[3], refs[1])
