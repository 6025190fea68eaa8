"""The device channel: Hekr devices on TCP, one JSON object a line.

The gateway listens, keeps who is online and carries commands to devices. A device is
online from a successful devLogin until its connection closes or it sends nothing for
`idle_timeout` seconds; a second login of the same devTid replaces the first connection.
Each connection is a DeviceConnection (device_connection.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devgroups.bus.ports import (
    Delivery,
    DeviceGone,
    DeviceOffline,
    DeviceReply,
    DeviceTimeout,
    OnDelivery,
)
from devgroups.channels.device_connection import DeviceConnection, event
from devgroups.channels.events import EventHub
from devgroups.domain.model import Device
from devgroups.services import devices
from devgroups.services.clock import now_ms
from devgroups.store.ports import Store

log = logging.getLogger(__name__)
Message = dict[str, Any]


@dataclass(frozen=True)
class GatewayLimits:
    idle_timeout: float = 30.0  # seconds without data before a device is dropped
    login_timeout: float = 10.0  # seconds a new connection has to log in
    max_line: int = 16 * 1024  # bytes of one JSON line
    max_backlog: int = 256 * 1024  # bytes queued for a device that does not read
    rate: float = 50.0  # lines a second, sustained
    burst: float = 200.0  # lines at once


class DeviceGateway:
    """Accepts device connections, tracks who is online, and carries appSend to devices."""

    def __init__(self, store: Store, hub: EventHub, limits: GatewayLimits | None = None) -> None:
        self.store = store
        self.hub = hub
        self.limits = limits or GatewayLimits()
        self._online: dict[str, DeviceConnection] = {}
        self._connections: set[DeviceConnection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._logins: list[tuple[str, int]] = []
        self._reports: dict[str, tuple[Any, int]] = {}
        self._server: asyncio.Server | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen for devices; return the port (useful with port 0)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: DeviceConnection(self), host, port, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.spawn(self._sweep())
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in tuple(self._connections):
            connection.abort()
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.to_thread(self._flush_logins)

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # the DeviceLink port

    def is_online(self, dev_tid: str) -> bool:
        return dev_tid in self._online

    def last_report(self, dev_tid: str) -> tuple[Any, int] | None:
        return self._reports.get(dev_tid)

    def known_device(self, dev_tid: str) -> Device | None:
        """The device as it logged in, if it is online here."""
        connection = self._online.get(dev_tid)
        return connection.device if connection is not None else None

    async def app_send(self, dev_tid: str, app_tid: str, data: Any, deadline: float) -> DeviceReply:
        connection = self._online.get(dev_tid)
        if connection is None:
            raise DeviceOffline(dev_tid)
        return await connection.request(app_tid, data, deadline)

    async def send_to_many(
        self,
        dev_tids: Sequence[str],
        app_tid: str,
        data: Any,
        deadline: float,
        on_delivery: OnDelivery | None = None,
    ) -> dict[str, Delivery]:
        # One pass writes every line and one wait covers them all: no task or timer per
        # device, so 512 devices cost little more than the 512 writes and answers.
        loop = asyncio.get_running_loop()
        deliveries: dict[str, Delivery] = {}
        waiting: dict[asyncio.Future[DeviceReply], tuple[str, DeviceConnection, int, float]] = {}

        def settle(dev_tid: str, delivery: Delivery) -> None:
            deliveries[dev_tid] = delivery
            if on_delivery is not None:
                on_delivery(dev_tid, delivery)

        def on_done(future: asyncio.Future[DeviceReply]) -> None:
            dev_tid, _connection, _msg_id, sent = waiting[future]
            if future.cancelled():
                return
            error = future.exception()
            if error is None:
                reply = future.result()
                settle(dev_tid, Delivery(reply, None, reply.at - sent))
            elif isinstance(error, DeviceGone):
                settle(dev_tid, Delivery(None, error, time.perf_counter() - sent))

        for dev_tid in dev_tids:
            connection = self._online.get(dev_tid)
            if connection is None:
                settle(dev_tid, Delivery(None, DeviceOffline(dev_tid), None))
                continue
            sent = time.perf_counter()
            msg_id, future = connection.start_request(app_tid, data)
            waiting[future] = (dev_tid, connection, msg_id, sent)
            future.add_done_callback(on_done)
        if waiting:
            await asyncio.wait(waiting, timeout=max(0.0, deadline - loop.time()))
        for future, (dev_tid, connection, msg_id, sent) in waiting.items():
            connection.pending.pop(msg_id, None)
            if dev_tid not in deliveries:
                future.cancel()
                settle(dev_tid, Delivery(None, DeviceTimeout(dev_tid), time.perf_counter() - sent))
        return deliveries

    # bookkeeping

    def owner_changed(self, dev_tid: str, owner_uid: str | None) -> None:
        """A device was bound or unbound: its reports go to its new owner from now on."""
        connection = self._online.get(dev_tid)
        if connection is not None and connection.device is not None:
            device = connection.device
            connection.device = Device(
                device.dev_tid, device.ctrl_key, device.bind_key, device.mid, owner_uid
            )

    def opened(self, connection: DeviceConnection) -> None:
        self._connections.add(connection)

    def reported(self, dev_tid: str, data: Any) -> None:
        self._reports[dev_tid] = (data, now_ms())

    def logged_in(self, connection: DeviceConnection, device: Device) -> None:
        previous = self._online.get(device.dev_tid)
        self._online[device.dev_tid] = connection
        if previous is not None and previous is not connection:
            previous.replaced = True
            previous.abort()
        self._logins.append((device.dev_tid, now_ms()))
        self.hub.publish(device.owner_uid, event("devLogin", device.dev_tid))

    def closed(self, connection: DeviceConnection) -> None:
        self._connections.discard(connection)
        device = connection.device
        if device is not None and self._online.get(device.dev_tid) is connection:
            del self._online[device.dev_tid]
            self.hub.publish(device.owner_uid, event("devLogout", device.dev_tid))

    async def _sweep(self) -> None:
        """Once a second: drop silent connections, store login times in one transaction."""
        while True:
            await asyncio.sleep(1)
            now = time.monotonic()
            for connection in tuple(self._connections):
                allowed = (
                    self.limits.idle_timeout
                    if connection.device is not None
                    else self.limits.login_timeout
                )
                if now - connection.last_seen > allowed:
                    connection.abort()
            if self._logins:
                await asyncio.to_thread(self._flush_logins)

    def _flush_logins(self) -> None:
        logins, self._logins = self._logins, []
        try:
            devices.record_logins(self.store, logins)
        except Exception:
            log.exception("could not store %d login times", len(logins))
