"""The device channel: Hekr devices on TCP, one JSON object a line.

Every connection is an asyncio.Protocol with a small, bounded buffer and no task of its
own, so that ten thousand idle devices cost little. A device is online from a successful
devLogin until its connection closes or it sends nothing for `idle_timeout` seconds; a
second login of the same devTid replaces the first connection.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson

from devgroups.bus.ports import (
    Delivery,
    DeviceGone,
    DeviceOffline,
    DeviceReply,
    DeviceTimeout,
    OnDelivery,
)
from devgroups.channels import codes
from devgroups.channels.events import EventHub
from devgroups.channels.protocol import response
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

    def online_count(self) -> int:
        return len(self._online)

    def _logged_in(self, connection: DeviceConnection, device: Device) -> None:
        previous = self._online.get(device.dev_tid)
        self._online[device.dev_tid] = connection
        if previous is not None and previous is not connection:
            previous.replaced = True
            previous.abort()
        self._logins.append((device.dev_tid, now_ms()))
        self.hub.publish(device.owner_uid, _event("devLogin", device.dev_tid))

    def _closed(self, connection: DeviceConnection) -> None:
        self._connections.discard(connection)
        device = connection.device
        if device is not None and self._online.get(device.dev_tid) is connection:
            del self._online[device.dev_tid]
            self.hub.publish(device.owner_uid, _event("devLogout", device.dev_tid))

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


def _event(action: str, dev_tid: str, **params: Any) -> dict[str, Any]:
    return {"action": action, "params": {"devTid": dev_tid, **params}}


class DeviceConnection(asyncio.Protocol):
    __slots__ = (
        "allowance",
        "backlog",
        "buffer",
        "checked_at",
        "device",
        "discarding",
        "gateway",
        "last_seen",
        "logging_in",
        "next_msg_id",
        "pending",
        "replaced",
        "transport",
    )

    def __init__(self, gateway: DeviceGateway) -> None:
        self.gateway = gateway
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.discarding = False
        self.device: Device | None = None
        self.logging_in = False
        self.backlog: list[bytes] = []
        self.pending: dict[int, asyncio.Future[DeviceReply]] = {}
        self.next_msg_id = 0
        self.last_seen = time.monotonic()
        self.allowance = gateway.limits.burst
        self.checked_at = self.last_seen
        self.replaced = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.gateway._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(DeviceGone())
        self.pending.clear()
        self.gateway._closed(self)

    def data_received(self, data: bytes) -> None:
        self.last_seen = time.monotonic()
        limit = self.gateway.limits.max_line
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            if self.discarding:
                self.discarding = False
            elif len(self.buffer) + end - start > limit:
                self.buffer.clear()
                self._too_long()
            else:
                self.buffer += data[start:end]
                line, self.buffer = bytes(self.buffer), bytearray()
                self._line(line)
            start = end + 1
        if not self.discarding:
            self.buffer += data[start:]
            if len(self.buffer) > limit:
                # Drop the rest of this line; the next one is read as usual.
                self.buffer.clear()
                self.discarding = True
                self._too_long()

    def _too_long(self) -> None:
        limit = self.gateway.limits.max_line
        self.reply(None, "error", codes.LINE_TOO_LONG, f"line over {limit} bytes: dropped")

    # lines

    def _line(self, line: bytes) -> None:
        if not line.strip() or self.transport is None or self.transport.is_closing():
            return
        if not self._within_rate():
            self.reply(None, "error", codes.FLOODING, "too many messages: disconnected")
            self.close()
            return
        if self.logging_in:
            self.backlog.append(line)
            if len(self.backlog) > 64:
                self.close()
            return
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError:
            self.reply(None, "error", codes.JSON_PARSE_ERROR, "JSON parse error")
            return
        if not isinstance(message, dict):
            self.reply(None, "error", codes.JSON_PARSE_ERROR, "a message is a JSON object")
            return
        self._dispatch(message)

    def _within_rate(self) -> bool:
        limits = self.gateway.limits
        now = time.monotonic()
        refill = self.allowance + (now - self.checked_at) * limits.rate
        self.allowance = max(self.allowance, min(limits.burst, refill))
        self.checked_at = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    def _dispatch(self, message: dict[str, Any]) -> None:
        action = message.get("action")
        msg_id = message.get("msgId")
        params = message.get("params")
        params = params if isinstance(params, dict) else {}
        if not isinstance(action, str):
            self.reply(msg_id, "error", codes.ACTION_NOT_SUPPORTED, "action is missing")
            return
        if action == "devLogin":
            self._start_login(msg_id, params)
            return
        if self.device is None:
            self.reply(msg_id, action, codes.NOT_LOGGED_IN, "device not logged in")
            return
        handler = self._HANDLERS.get(action)
        if handler is None:
            self.reply(msg_id, action, codes.ACTION_NOT_SUPPORTED, "action not supported")
            return
        handler(self, msg_id, params, message)

    def _heartbeat(self, msg_id: Any, _params: dict[str, Any], _message: Message) -> None:
        self.reply(msg_id, "heartbeat", codes.OK, "success")

    def _report_dev_info(self, msg_id: Any, _params: dict[str, Any], _message: Message) -> None:
        self.reply(msg_id, "reportDevInfo", codes.OK, "success")

    def _dev_send(self, msg_id: Any, params: dict[str, Any], _message: Message) -> None:
        assert self.device is not None
        self.gateway._reports[self.device.dev_tid] = (params.get("data"), now_ms())
        event = _event("devSend", self.device.dev_tid, data=params.get("data"))
        if isinstance(params.get("appTid"), list):
            event["params"]["appTid"] = params["appTid"]
        self.gateway.hub.publish(self.device.owner_uid, event)
        self.reply(msg_id, "devSend", codes.OK, "success")

    def _app_send_resp(self, msg_id: Any, params: dict[str, Any], message: Message) -> None:
        future = self.pending.pop(msg_id, None) if isinstance(msg_id, int) else None
        if future is None or future.done():
            return  # a late answer to a command that timed out
        code = message.get("code", codes.OK)
        future.set_result(
            DeviceReply(
                code=code if isinstance(code, int) else codes.OK,
                desc=str(message.get("desc", "success")),
                data=params.get("data"),
                params=params,
                at=time.perf_counter(),
            )
        )

    _HANDLERS: dict[str, Callable[[DeviceConnection, Any, dict[str, Any], Message], None]] = {}

    # login

    def _start_login(self, msg_id: Any, params: dict[str, Any]) -> None:
        dev_tid, prod_key = params.get("devTid"), params.get("prodKey")
        if not (isinstance(dev_tid, str) and dev_tid and isinstance(prod_key, str)):
            self.reply(msg_id, "devLogin", codes.LOGIN_FAILED, "devTid and prodKey are required")
            self.close()
            return
        self.logging_in = True
        self.gateway.spawn(self._login(msg_id, dev_tid, prod_key))

    async def _login(self, msg_id: Any, dev_tid: str, prod_key: str) -> None:
        try:
            record = await asyncio.to_thread(devices.login_record, self.gateway.store, dev_tid)
        except Exception:
            log.exception("devLogin of %s failed", dev_tid)
            record = None
        finally:
            self.logging_in = False
        if self.transport is None or self.transport.is_closing():
            return
        key = record[1] if record else None
        if record is None or key is None or not hmac.compare_digest(key, prod_key):
            self.reply(msg_id, "devLogin", codes.LOGIN_FAILED, "unknown device or wrong prodKey")
            self.close()
            return
        self.device = record[0]
        self.gateway._logged_in(self, record[0])
        self.reply(msg_id, "devLogin", codes.OK, "success", {"devTid": dev_tid})
        backlog, self.backlog = self.backlog, []
        for line in backlog:
            self._line(line)

    # sending

    def start_request(self, app_tid: str, data: Any) -> tuple[int, asyncio.Future[DeviceReply]]:
        """Send an appSend now; the future gets the device's answer."""
        assert self.device is not None
        self.next_msg_id += 1
        msg_id = self.next_msg_id
        future: asyncio.Future[DeviceReply] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        # The answer and the report that follows it are owed to us: they are not flooding.
        self.allowance += 2
        self.send(
            {
                "msgId": msg_id,
                "action": "appSend",
                "params": {
                    "devTid": self.device.dev_tid,
                    "appTid": app_tid,
                    "ctrlKey": self.device.ctrl_key,
                    "data": data,
                },
            }
        )
        return msg_id, future

    async def request(self, app_tid: str, data: Any, deadline: float) -> DeviceReply:
        msg_id, future = self.start_request(app_tid, data)
        try:
            async with asyncio.timeout_at(deadline):
                return await future
        except TimeoutError:
            assert self.device is not None
            raise DeviceTimeout(self.device.dev_tid) from None
        finally:
            self.pending.pop(msg_id, None)

    def reply(
        self,
        msg_id: Any,
        action: str,
        code: int,
        desc: str,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.send(response(msg_id, action, code, desc, params))

    def send(self, message: dict[str, Any]) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() > self.gateway.limits.max_backlog:
            # A device that does not read its commands is cut off, not buffered for.
            self.abort()
            return
        transport.write(orjson.dumps(message) + b"\n")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


DeviceConnection._HANDLERS = {
    "heartbeat": DeviceConnection._heartbeat,
    "reportDevInfo": DeviceConnection._report_dev_info,
    "devSend": DeviceConnection._dev_send,
    "appSendResp": DeviceConnection._app_send_resp,
}
