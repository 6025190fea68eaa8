"""The app channel: Hekr's app protocol over one WebSocket per app.

An app logs in with appLogin and its access token, then sends appSend to its devices
(appGroupSend to a whole group) and receives their devSend reports and devLogin/devLogout
events. Messages and replies
are Hekr's: ``{"msgId", "action", "params"}`` and ``{"msgId", "action": "<action>Resp",
"code", "desc", "params"}``, code 200 for success.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from devgroups.auth.tokens import Principal, TokenIssuer
from devgroups.bus.ports import DeviceGone, DeviceLink, DeviceOffline, DeviceTimeout
from devgroups.channels import codes
from devgroups.channels.events import EventHub, Subscription
from devgroups.channels.protocol import response
from devgroups.domain.control import DEFAULT_TIMEOUT_MS as DEFAULT_GROUP_TIMEOUT_MS
from devgroups.domain.control import MemberResult, check_data
from devgroups.domain.errors import HekrError, InvalidParam, InvalidToken
from devgroups.domain.model import Device
from devgroups.services import devices
from devgroups.services.control import GroupControl
from devgroups.store.ports import Store

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_MS = 10_000
MAX_TIMEOUT_MS = 30_000
MAX_IN_FLIGHT = 256
OUTBOX_SIZE = 4096


class AppSession:
    """One app's conversation; `send` writes a text frame to it."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        *,
        issuer: TokenIssuer,
        store: Store,
        link: DeviceLink,
        hub: EventHub,
        known_device: Callable[[str], Device | None],
        control: GroupControl,
    ) -> None:
        self._send_text = send
        # Every frame goes through one queue and one writer: frames keep their order
        # (progress before the final answer) and a slow app slows only itself.
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_SIZE)
        self._writer = asyncio.ensure_future(self._write())
        self.issuer = issuer
        self.store = store
        self.link = link
        self.hub = hub
        self.known_device = known_device
        self.control = control
        self.principal: Principal | None = None
        self.app_tid: str | None = None
        self.subscription: Subscription | None = None
        self.tasks: set[asyncio.Task[Any]] = set()

    async def received(self, text: str) -> None:
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            await self.reply(None, "error", codes.JSON_PARSE_ERROR, "JSON parse error")
            return
        if not isinstance(message, dict) or not isinstance(message.get("action"), str):
            await self.reply(None, "error", codes.JSON_PARSE_ERROR, "a message needs an action")
            return
        action, msg_id = message["action"], message.get("msgId")
        params = message.get("params")
        params = params if isinstance(params, dict) else {}
        if action == "appLogin":
            await self._login(msg_id, params)
        elif action == "heartbeat":
            await self.reply(msg_id, action, codes.OK, "success")
        elif action in ("appSend", "appGroupSend"):
            if self.principal is None:
                await self.reply(msg_id, action, codes.APP_NOT_LOGGED_IN, "app not logged in")
            elif len(self.tasks) >= MAX_IN_FLIGHT:
                await self.reply(msg_id, action, codes.FLOODING, "too many commands in flight")
            elif action == "appSend":
                self._spawn(self._app_send(msg_id, params))
            else:
                self._spawn(self._app_group_send(msg_id, params))
        else:
            await self.reply(msg_id, action, codes.ACTION_NOT_SUPPORTED, "action not supported")

    async def close(self) -> None:
        if self.subscription is not None:
            self.subscription.close()
        for task in (*self.tasks, self._writer):
            task.cancel()
        await asyncio.gather(*self.tasks, self._writer, return_exceptions=True)

    # actions

    async def _login(self, msg_id: Any, params: dict[str, Any]) -> None:
        token = params.get("token")
        try:
            if not isinstance(token, str) or not token:
                raise InvalidToken()
            principal = self.issuer.verify(token)
        except InvalidToken as err:
            await self.reply(msg_id, "appLogin", codes.TOKEN_INVALID, err.desc)
            return
        if self.subscription is not None:
            self.subscription.close()
        self.principal = principal
        app_tid = params.get("appTid")
        self.app_tid = app_tid if isinstance(app_tid, str) and app_tid else "devgroups-app"
        self.subscription = self.hub.subscribe(principal.uid)
        self._spawn(self._forward(self.subscription))
        await self.reply(msg_id, "appLogin", codes.OK, "success")

    async def _app_send(self, msg_id: Any, params: dict[str, Any]) -> None:
        assert self.principal is not None
        dev_tid, ctrl_key = params.get("devTid"), params.get("ctrlKey")
        timeout_ms = params.get("timeout", DEFAULT_TIMEOUT_MS)
        if not (isinstance(dev_tid, str) and dev_tid and isinstance(ctrl_key, str)):
            await self.reply(msg_id, "appSend", codes.INVALID_PARAM, "devTid and ctrlKey needed")
            return
        if not isinstance(timeout_ms, int) or not 100 <= timeout_ms <= MAX_TIMEOUT_MS:
            await self.reply(msg_id, "appSend", codes.INVALID_PARAM, "timeout is 100..30000 ms")
            return
        try:
            check_data(params.get("data"))
        except InvalidParam as err:
            await self.reply(msg_id, "appSend", codes.INVALID_PARAM, err.desc)
            return
        device = self.known_device(dev_tid)
        if device is None:  # not online here: is it the caller's at all?
            device = await asyncio.to_thread(self._stored_device, dev_tid)
        if device is None or device.owner_uid != self.principal.uid or device.ctrl_key != ctrl_key:
            await self.reply(msg_id, "appSend", codes.NOT_YOUR_DEVICE, "device not yours")
            return
        app_tid = params.get("appTid") if isinstance(params.get("appTid"), str) else self.app_tid
        deadline = asyncio.get_running_loop().time() + timeout_ms / 1000
        try:
            answer = await self.link.app_send(dev_tid, str(app_tid), params.get("data"), deadline)
        except DeviceOffline:
            await self.reply(msg_id, "appSend", codes.DEVICE_OFFLINE, "device not online")
            return
        except DeviceTimeout:
            await self.reply(msg_id, "appSend", codes.DEVICE_TIMEOUT, "device did not answer")
            return
        except DeviceGone:
            await self.reply(msg_id, "appSend", codes.DEVICE_GONE, "device went offline")
            return
        reply_params = {"devTid": dev_tid, "appTid": app_tid, "data": answer.data}
        await self.reply(msg_id, "appSend", answer.code, answer.desc, reply_params)

    async def _app_group_send(self, msg_id: Any, params: dict[str, Any]) -> None:
        """Group control from the app channel; with "progress": true, each result as it comes."""
        assert self.principal is not None
        group_id, data = params.get("groupId"), params.get("data")
        timeout_ms = params.get("timeout", DEFAULT_GROUP_TIMEOUT_MS)
        key = params.get("idempotencyKey")
        if not (isinstance(group_id, str) and group_id and isinstance(data, dict)):
            await self.reply(msg_id, "appGroupSend", codes.INVALID_PARAM, "groupId, data needed")
            return
        if not isinstance(timeout_ms, int) or not (key is None or isinstance(key, str) and key):
            await self.reply(msg_id, "appGroupSend", codes.INVALID_PARAM, "bad timeout or key")
            return
        on_result = None
        if params.get("progress") is True:

            def on_result(result: MemberResult) -> None:
                progress = {
                    "msgId": msg_id,
                    "action": "appGroupSendProgress",
                    "params": result.to_json(),
                }
                self._spawn(self.send(progress))

        try:
            answer = await self.control.send(
                self.principal.uid, group_id, data, timeout_ms, key=key, on_result=on_result
            )
        except HekrError as err:
            await self.reply(msg_id, "appGroupSend", err.code, err.desc)
            return
        await self.reply(msg_id, "appGroupSend", codes.OK, "success", answer)

    def _stored_device(self, dev_tid: str) -> Device | None:
        record = devices.login_record(self.store, dev_tid)
        return record[0] if record else None

    async def _forward(self, subscription: Subscription) -> None:
        while True:
            event = await subscription.queue.get()
            if event is None:  # the app fell too far behind: it reads no more events
                await self.reply(None, "error", codes.FLOODING, "events dropped: app too slow")
                return
            await self.send({"msgId": 0, **event})

    # writing

    async def reply(
        self,
        msg_id: Any,
        action: str,
        code: int,
        desc: str,
        params: dict[str, Any] | None = None,
    ) -> None:
        await self.send(response(msg_id, action, code, desc, params))

    async def send(self, message: dict[str, Any]) -> None:
        await self._outbox.put(orjson.dumps(message).decode())

    async def _write(self) -> None:
        while True:
            text = await self._outbox.get()
            try:
                await self._send_text(text)
            except Exception:  # the app went away; its reader ends the session
                return

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("app session task failed", exc_info=task.exception())
