"""Results of group commands: the newest of each group are kept, and those of live keys."""

import pytest

from devgroups.runtime import Runtime
from devgroups.services import groups
from tests.factories import make_devices, make_user


@pytest.mark.parametrize(("key_ttl", "kept"), [(10_000, [0, 3, 4, 5]), (2, [3, 4, 5])])
def test_the_newest_results_of_a_group_are_kept(
    runtime: Runtime, key_ttl: int, kept: list[int]
) -> None:
    uid = make_user(runtime.store, "alice")
    refs = make_devices(runtime.store, "alice", 1)
    group = groups.create_group(runtime.store, uid, "g", "d", refs)
    for i in range(6):
        with runtime.store.write() as tx:
            tx.insert_command(
                f"c{i}", group.group_id, uid, "key" if i == 0 else None, "h", 1000 + i
            )
            tx.finish_command(f"c{i}", f'{{"n": {i}}}', 1000 + i, keep=3, key_ttl_ms=key_ttl)
    with runtime.store.read() as tx:
        found = [i for i in range(6) if tx.command(uid, group.group_id, f"c{i}") is not None]
    assert found == kept


def test_deleting_a_group_takes_its_results(runtime: Runtime) -> None:
    uid = make_user(runtime.store, "alice")
    group = groups.create_group(
        runtime.store, uid, "g", "d", make_devices(runtime.store, "alice", 1)
    )
    with runtime.store.write() as tx:
        tx.insert_command("c", group.group_id, uid, None, "h", 1)
        tx.finish_command("c", "{}", 1, keep=3, key_ttl_ms=1)
    groups.delete_group(runtime.store, uid, group.group_id)
    with runtime.store.read() as tx:
        assert tx.command(uid, group.group_id, "c") is None
