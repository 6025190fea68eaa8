"""Group control: send one command to every member at once, report each member's outcome.

The membership comes from one consistent read of the user's groups, finished before
anything is sent. Each member gets an ordinary appSend with its own devTid and ctrlKey;
the answer is complete when every member has answered or the deadline has passed.
Offline members are reported at once; a slow or silent member delays no other.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import orjson

from devgroups.bus.ports import Delivery, DeviceGone, DeviceLink, DeviceTimeout
from devgroups.channels import codes
from devgroups.domain import control
from devgroups.domain.control import MemberResult, Outcome
from devgroups.domain.errors import (
    CommandInProgress,
    CommandNotFound,
    IdempotencyKeyReused,
    RateLimited,
)
from devgroups.domain.limits import TokenBucket
from devgroups.services.clock import now_ms
from devgroups.services.groups import GroupReader
from devgroups.store.ports import Store

# A command still marked running after this long was cut short (the server stopped):
# a retry with its key runs anew.
STALE_RUNNING_MS = control.MAX_TIMEOUT_MS + 30_000

OnResult = Callable[[MemberResult], None]


class GroupControl:
    """Group commands of one node: fan-out, idempotency keys, per-user rate limits."""

    def __init__(
        self,
        store: Store,
        groups: GroupReader,
        link: DeviceLink,
        rate: float = 5.0,
        burst: float = 10.0,
    ) -> None:
        self.store = store
        self.groups = groups
        self.link = link
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}
        self._running: dict[tuple[str, str], tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        # Results answered but not yet stored: (uid, groupId, result) by commandId.
        self._unsaved: dict[str, tuple[str, str, dict[str, Any]]] = {}
        self._saving: asyncio.Task[None] | None = None

    async def send(
        self,
        uid: str,
        group_id: str,
        data: Any,
        timeout_ms: int = control.DEFAULT_TIMEOUT_MS,
        key: str | None = None,
        on_result: OnResult | None = None,
    ) -> dict[str, Any]:
        """Send data to every member of the group; return the result of each."""
        control.check_timeout(timeout_ms)
        control.check_data(data)
        hash_ = control.request_hash(group_id, data, timeout_ms)
        if key is None:
            return await self._send(uid, group_id, data, timeout_ms, None, hash_, on_result)
        running = self._running.get((uid, key))
        if running is not None:  # a retry while the first runs here: wait for its result
            if running[0] != hash_:
                raise IdempotencyKeyReused()
            return await asyncio.shield(running[1])
        # Claimed before any await, so that a retry arriving meanwhile finds it.
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._running[(uid, key)] = (hash_, future)
        try:
            result = await self._send(uid, group_id, data, timeout_ms, key, hash_, on_result)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as err:
            future.set_exception(err)
            future.exception()  # retrieved: a failure no retry waits for is not an error
            raise
        finally:
            del self._running[(uid, key)]
        future.set_result(result)
        return result

    async def _send(
        self,
        uid: str,
        group_id: str,
        data: Any,
        timeout_ms: int,
        key: str | None,
        hash_: str,
        on_result: OnResult | None,
    ) -> dict[str, Any]:
        self._check_rate(uid)
        # One consistent read of the user's groups, confirmed current, finished here:
        # before anything is sent.
        group = (await self.groups.current(uid)).find(group_id)
        command_id = uuid.uuid4().hex
        if key is not None:
            stored = await asyncio.to_thread(self._claim, uid, key, hash_, group_id, command_id)
            if stored is not None:
                return stored
        return await self._run(
            uid,
            group_id,
            group.mid,
            group.members,
            data,
            timeout_ms,
            command_id,
            on_result,
            keyed=key is not None,
        )

    async def result(self, uid: str, group_id: str, command_id: str) -> dict[str, Any]:
        """A past command's result (or, while it runs, that it runs)."""
        (await self.groups.current(uid)).find(group_id)
        unsaved = self._unsaved.get(command_id)
        if unsaved is not None and unsaved[:2] == (uid, group_id):
            return unsaved[2]
        record = await asyncio.to_thread(self._stored, uid, group_id, command_id)
        if record is None or record.result is None:
            raise CommandNotFound()
        parsed: dict[str, Any] = orjson.loads(record.result)
        return parsed

    async def status(self, uid: str, group_id: str) -> dict[str, Any]:
        """Which members are online, and the last state each reported."""
        group = (await self.groups.current(uid)).find(group_id)
        members: list[dict[str, Any]] = []
        for member in group.members:
            report = self.link.last_report(member.dev_tid)
            members.append(
                {
                    "devTid": member.dev_tid,
                    "online": self.link.is_online(member.dev_tid),
                    "lastReport": report[0] if report else None,
                    "reportedAt": report[1] if report else None,
                }
            )
        online = sum(1 for member in members if member["online"])
        return {
            "groupId": group.group_id,
            "groupMid": group.mid,
            "total": len(members),
            "online": online,
            "offline": len(members) - online,
            "members": members,
        }

    # the parts

    def _check_rate(self, uid: str) -> None:
        bucket = self._buckets.get(uid)
        if bucket is None:
            bucket = self._buckets[uid] = TokenBucket(self.rate, self.burst, self.burst)
        if not bucket.take():
            raise RateLimited(f"{RateLimited.desc}: {self.rate:g} group commands a second")

    async def _run(
        self,
        uid: str,
        group_id: str,
        group_mid: str,
        members: Any,
        data: Any,
        timeout_ms: int,
        command_id: str,
        on_result: OnResult | None,
        keyed: bool,
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        started_at = now_ms()
        deadline = loop.time() + timeout_ms / 1000
        dev_tids = [member.dev_tid for member in members]

        def delivered(dev_tid: str, delivery: Delivery) -> None:
            if on_result is not None:
                on_result(member_result(dev_tid, delivery))

        deliveries = await self.link.send_to_many(
            dev_tids, f"group-{command_id}", data, deadline, delivered
        )
        results = [member_result(dev_tid, deliveries[dev_tid]) for dev_tid in dev_tids]
        answer = control.result_json(
            command_id, group_id, group_mid, data, timeout_ms, results, started_at, now_ms()
        )
        if keyed:  # a retry must find it, whatever happens next
            await asyncio.to_thread(self._store_results, [(uid, group_id, answer)])
        else:
            # Stored right after the answer, many in one transaction: the fsync is not
            # on the caller's time. Until then the result is served from memory.
            self._unsaved[command_id] = (uid, group_id, answer)
            if self._saving is None:
                self._saving = asyncio.get_running_loop().create_task(self._save())
        return answer

    async def _save(self) -> None:
        try:
            while self._unsaved:
                batch = dict(self._unsaved)
                await asyncio.to_thread(self._store_results, list(batch.values()))
                for command_id in batch:
                    self._unsaved.pop(command_id, None)
        finally:
            self._saving = None

    async def close(self) -> None:
        """Store the results not stored yet."""
        if self._saving is not None:
            await self._saving
        if self._unsaved:
            await self._save()

    # storage, in worker threads

    def _claim(
        self, uid: str, key: str, hash_: str, group_id: str, command_id: str
    ) -> dict[str, Any] | None:
        """Take the key for a new command, or return the result it already has."""
        now = now_ms()
        with self.store.write() as tx:
            known = tx.keyed_command(uid, key)
            if known is not None and known.created_at >= now - control.IDEMPOTENCY_TTL_MS:
                if known.request_hash != hash_:
                    raise IdempotencyKeyReused()
                if known.result is not None:
                    stored: dict[str, Any] = orjson.loads(known.result)
                    return stored
                if known.created_at >= now - STALE_RUNNING_MS:
                    raise CommandInProgress()  # running on another node
            if known is not None:
                tx.forget_key(uid, key)
            tx.insert_command(command_id, group_id, uid, key, hash_, now)
        return None

    def _store_results(self, batch: list[tuple[str, str, dict[str, Any]]]) -> None:
        now = now_ms()
        with self.store.write() as tx:
            for uid, group_id, answer in batch:
                command_id = answer["commandId"]
                if not tx.owns_group(uid, group_id):
                    continue  # deleted while the command ran: its history went with it
                if tx.command(uid, group_id, command_id) is None:
                    tx.insert_command(command_id, group_id, uid, None, "", answer["startedAt"])
                tx.finish_command(
                    command_id,
                    orjson.dumps(answer).decode(),
                    now,
                    control.KEPT_RESULTS_PER_GROUP,
                    control.IDEMPOTENCY_TTL_MS,
                )

    def _stored(self, uid: str, group_id: str, command_id: str) -> Any:
        with self.store.read() as tx:
            return tx.command(uid, group_id, command_id)


def member_result(dev_tid: str, delivery: Delivery) -> MemberResult:
    """The outcome of one member, from what became of the command sent to it."""
    latency = None if delivery.latency is None else round(delivery.latency * 1000, 3)
    reply, error = delivery.reply, delivery.error
    if reply is not None:
        outcome = Outcome.SUCCEEDED if reply.code == control.SUCCESS else Outcome.FAILED
        return MemberResult(dev_tid, outcome, reply.code, reply.desc, reply.data, latency)
    if isinstance(error, DeviceTimeout):
        return MemberResult(
            dev_tid,
            Outcome.TIMED_OUT,
            codes.DEVICE_TIMEOUT,
            "device did not answer in time",
            None,
            latency,
        )
    if isinstance(error, DeviceGone):
        return MemberResult(
            dev_tid,
            Outcome.OFFLINE,
            codes.DEVICE_GONE,
            "device went offline during the command",
            None,
            latency,
        )
    return MemberResult(
        dev_tid, Outcome.OFFLINE, codes.DEVICE_OFFLINE, "device not online", None, None
    )
