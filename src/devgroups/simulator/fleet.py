"""Simulated Hekr devices: real TCP clients of the device channel, many in one process.

Each device logs in with devLogin, reports its info, keeps its heartbeat and answers
appSend in JSON_CTRL mode: it applies every field but cmdId to its state, answers with
its whole state as a report (cmdId 1, as Hekr's template products do) and sends the same
report as devSend. A device can be made slow (it answers late), failing (it answers with
an error code) or silent (it never answers).
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

REPORT_CMD_ID = 1
FAILURE_CODE = 500


class Behaviour(enum.StrEnum):
    NORMAL = "normal"
    SLOW = "slow"
    FAILING = "failing"
    SILENT = "silent"


@dataclass
class DeviceSpec:
    dev_tid: str
    ctrl_key: str
    bind_key: str
    behaviour: Behaviour = Behaviour.NORMAL


@dataclass(frozen=True)
class FleetOptions:
    host: str = "127.0.0.1"
    port: int = 8083
    prodkey: str = ""
    mid: str = ""
    heartbeat_interval: float = 10.0
    slow_ms: int = 1000
    connect_timeout: float = 60.0
    parallel_connects: int = 100


def assign_behaviours(
    specs: Sequence[DeviceSpec], slow: float, failing: float, silent: float
) -> None:
    """Give the first devices their roles: silent ones, then failing, then slow."""
    count = len(specs)
    cuts = [round(count * silent), round(count * failing), round(count * slow)]
    index = 0
    for behaviour, amount in zip(
        (Behaviour.SILENT, Behaviour.FAILING, Behaviour.SLOW), cuts, strict=True
    ):
        for spec in specs[index : index + amount]:
            spec.behaviour = behaviour
        index += amount


@dataclass(eq=False)
class SimulatedDevice(asyncio.Protocol):
    spec: DeviceSpec
    fleet: Fleet
    state: dict[str, Any] = field(default_factory=lambda: {"power": 0, "brightness": 0})
    transport: asyncio.Transport | None = None
    buffer: bytearray = field(default_factory=bytearray)
    logged_in: asyncio.Future[None] | None = None
    next_msg_id: int = 0
    next_heartbeat: float = 0.0
    commands: int = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.send("devLogin", {"devTid": self.spec.dev_tid, "prodKey": self.fleet.options.prodkey})

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.logged_in is not None and not self.logged_in.done():
            self.logged_in.set_exception(ConnectionError(f"{self.spec.dev_tid}: connection lost"))
        self.fleet.lost(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\n")) >= 0:
            line, self.buffer = bytes(self.buffer[:end]), self.buffer[end + 1 :]
            if line.strip():
                self.handle(orjson.loads(line))

    def handle(self, message: dict[str, Any]) -> None:
        action = message.get("action")
        if action == "devLoginResp":
            if message.get("code") != 200:
                if self.logged_in is not None and not self.logged_in.done():
                    self.logged_in.set_exception(
                        ConnectionRefusedError(f"{self.spec.dev_tid}: {message.get('desc')}")
                    )
                return
            self.send(
                "reportDevInfo",
                {
                    "devTid": self.spec.dev_tid,
                    "mid": self.fleet.options.mid,
                    "workMode": "JSON_CTRL",
                    "binVer": "1.0.0",
                    "MAC": self.spec.dev_tid[-12:],
                    "rssi": -40,
                },
            )
            if self.logged_in is not None and not self.logged_in.done():
                self.logged_in.set_result(None)
        elif action == "appSend":
            self.commands += 1
            self.on_app_send(message)

    def on_app_send(self, message: dict[str, Any]) -> None:
        behaviour = self.spec.behaviour
        if behaviour is Behaviour.SILENT:
            return
        params = message.get("params") or {}
        if behaviour is Behaviour.FAILING:
            self.answer(message, FAILURE_CODE, "simulated device failure", None)
            return
        data = params.get("data")
        if isinstance(data, dict):
            self.state.update({k: v for k, v in data.items() if k != "cmdId"})
        report = {"cmdId": REPORT_CMD_ID, **self.state}
        if behaviour is Behaviour.SLOW:
            loop = asyncio.get_running_loop()
            loop.call_later(
                self.fleet.options.slow_ms / 1000, self.answer_and_report, message, report
            )
        else:
            self.answer_and_report(message, report)

    def answer_and_report(self, message: dict[str, Any], report: dict[str, Any]) -> None:
        self.answer(message, 200, "success", report)
        self.send("devSend", {"devTid": self.spec.dev_tid, "appTid": [], "data": report})

    def answer(self, message: dict[str, Any], code: int, desc: str, data: Any) -> None:
        params = message.get("params") or {}
        self.write(
            {
                "msgId": message.get("msgId"),
                "action": "appSendResp",
                "code": code,
                "desc": desc,
                "params": {
                    "devTid": self.spec.dev_tid,
                    "appTid": params.get("appTid"),
                    "data": data,
                },
            }
        )

    def send(self, action: str, params: dict[str, Any]) -> None:
        self.next_msg_id += 1
        self.write({"msgId": self.next_msg_id, "action": action, "params": params})

    def write(self, message: dict[str, Any]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(orjson.dumps(message) + b"\n")


class Fleet:
    """The simulated devices of one product, connected to one device channel."""

    def __init__(self, specs: Sequence[DeviceSpec], options: FleetOptions) -> None:
        self.options = options
        self.devices = [SimulatedDevice(spec, self) for spec in specs]
        self.closing = False
        self.gone: list[str] = []
        self._heartbeats: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        """Connect and log in every device; raise if any cannot within connect_timeout."""
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(self.options.parallel_connects)

        async def connect_one(device: SimulatedDevice) -> None:
            async with gate:
                device.logged_in = loop.create_future()
                await loop.create_connection(lambda: device, self.options.host, self.options.port)
                await device.logged_in

        async with asyncio.timeout(self.options.connect_timeout):
            await asyncio.gather(*(connect_one(device) for device in self.devices))
        now = time.monotonic()
        for device in self.devices:
            device.next_heartbeat = now + random.uniform(0, self.options.heartbeat_interval)  # noqa: S311
        self._heartbeats = loop.create_task(self._beat())

    async def _beat(self) -> None:
        """One task for every heartbeat: each device's every heartbeat_interval seconds."""
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for device in self.devices:
                if device.next_heartbeat <= now and device.transport is not None:
                    device.send("heartbeat", {"devTid": device.spec.dev_tid})
                    device.next_heartbeat = now + self.options.heartbeat_interval

    def lost(self, device: SimulatedDevice) -> None:
        if not self.closing:
            self.gone.append(device.spec.dev_tid)

    async def close(self) -> None:
        self.closing = True
        if self._heartbeats is not None:
            self._heartbeats.cancel()
            await asyncio.gather(self._heartbeats, return_exceptions=True)
        for device in self.devices:
            if device.transport is not None:
                device.transport.close()
