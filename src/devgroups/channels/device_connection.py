"""One device's connection: Hekr's device protocol, one JSON object a line.

An asyncio.Protocol with a small, bounded buffer and no task of its own, so that ten
thousand idle devices cost little (2.5 KiB each, measured). The gateway it belongs to
keeps the registry of who is online.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import orjson

from devgroups.bus.ports import DeviceGone, DeviceReply, DeviceTimeout
from devgroups.channels import codes
from devgroups.channels.protocol import response
from devgroups.domain.limits import TokenBucket
from devgroups.domain.model import Device
from devgroups.services import devices

if TYPE_CHECKING:
    from devgroups.channels.device_gateway import DeviceGateway

log = logging.getLogger(__name__)
Message = dict[str, Any]


def event(action: str, dev_tid: str, **params: Any) -> dict[str, Any]:
    return {"action": action, "params": {"devTid": dev_tid, **params}}


class DeviceConnection(asyncio.Protocol):
    __slots__ = (
        "backlog",
        "bucket",
        "buffer",
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
        limits = gateway.limits
        self.bucket = TokenBucket(limits.rate, limits.burst, limits.burst)
        self.replaced = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.gateway.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(DeviceGone())
        self.pending.clear()
        self.gateway.closed(self)

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
        if not self.bucket.take():
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
        self.gateway.reported(self.device.dev_tid, params.get("data"))
        report = event("devSend", self.device.dev_tid, data=params.get("data"))
        if isinstance(params.get("appTid"), list):
            report["params"]["appTid"] = params["appTid"]
        self.gateway.hub.publish(self.device.owner_uid, report)
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
        self.gateway.logged_in(self, record[0])
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
        self.bucket.credit(2)
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
