"""Clients of the two channels and of the simulator, for end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import websockets

DEADLINE = 20.0


def eventually(check: Callable[[], bool], timeout: float = DEADLINE) -> None:
    """Wait until check() holds, polling, for at most timeout seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)


class RawDevice:
    """A hand-driven device on the device channel: one JSON object a line."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.msg_id = 0

    @classmethod
    async def connect(cls, port: int) -> RawDevice:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        return cls(reader, writer)

    async def send(self, action: str, **params: Any) -> int:
        self.msg_id += 1
        self.write_line(json.dumps({"msgId": self.msg_id, "action": action, "params": params}))
        await self.writer.drain()
        return self.msg_id

    def write_line(self, text: str | bytes) -> None:
        data = text.encode() if isinstance(text, str) else text
        self.writer.write(data + b"\n")

    async def recv(self, timeout: float = DEADLINE) -> dict[str, Any]:
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        if not line:
            raise ConnectionError("closed by the server")
        message: dict[str, Any] = json.loads(line)
        return message

    async def closed_by_server(self, timeout: float = DEADLINE) -> bool:
        """Read until the server closes the connection; True if it did within timeout."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.readline():
                    pass
        except TimeoutError:
            return False
        return True

    async def login(self, dev_tid: str, prod_key: str) -> dict[str, Any]:
        await self.send("devLogin", devTid=dev_tid, prodKey=prod_key)
        return await self.recv()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


class App:
    """An app on the WebSocket app channel."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.msg_id = 0

    @classmethod
    async def connect(cls, http_url: str) -> App:
        ws = await websockets.connect(http_url.replace("http://", "ws://") + "/ws")
        return cls(ws)

    async def send(self, action: str, **params: Any) -> int:
        self.msg_id += 1
        await self.ws.send(json.dumps({"msgId": self.msg_id, "action": action, "params": params}))
        return self.msg_id

    async def recv(self, timeout: float = DEADLINE) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        return message

    async def recv_until(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = DEADLINE
    ) -> dict[str, Any]:
        """Skip other messages (events) until one matches."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.recv(timeout)
                if match(message):
                    return message

    async def answer_to(self, msg_id: int, timeout: float = DEADLINE) -> dict[str, Any]:
        return await self.recv_until(lambda m: m.get("msgId") == msg_id, timeout)

    async def login(self, token: str) -> dict[str, Any]:
        return await self.answer_to(await self.send("appLogin", appTid="test-app", token=token))

    async def close(self) -> None:
        await self.ws.close()


class Simulator:
    """A `devgroups simulate` process; its devices as it printed them."""

    def __init__(self, data_dir: Path, device_port: int, count: int, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devgroups",
                "simulate",
                "--count",
                str(count),
                "--server",
                f"127.0.0.1:{device_port}",
                "--data-dir",
                str(data_dir),
                "--json",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None
        stdout = self.proc.stdout

        def pump() -> None:
            for line in stdout:
                lines.put(line)
            lines.put("")

        self.pump = threading.Thread(target=pump, daemon=True)
        self.pump.start()
        self.devices: list[dict[str, str]] = []
        deadline = time.monotonic() + 120
        while len(self.devices) < count:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if not line:
                self.stop()
                raise RuntimeError(f"simulator did not connect: {self.stderr}")
            self.devices.append(json.loads(line))
        self.stderr = ""

    def by_behaviour(self, behaviour: str) -> list[dict[str, str]]:
        return [d for d in self.devices if d["behaviour"] == behaviour]

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=20)
        self.pump.join(timeout=20)
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code
