"""A small keep-alive HTTP/1.1 load generator: enough for loopback, cheap enough to measure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence


async def _worker(
    host: str, port: int, request: bytes, deadline: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            if status >= 400:
                raise RuntimeError(f"HTTP {status}: {head!r}")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def measure(
    host: str, port: int, request: bytes, seconds: float, connections: int
) -> Sequence[float]:
    """Keep `connections` connections busy for `seconds`; return every request's latency."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_worker(host, port, request, deadline, latencies) for _ in range(connections))
    )
    return latencies


async def roundtrips(host: str, port: int, requests: Sequence[bytes]) -> list[tuple[float, bytes]]:
    """Send requests one after another on one connection; return each latency and body."""
    reader, writer = await asyncio.open_connection(host, port)
    answers = []
    try:
        for request in requests:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            answers.append((time.perf_counter() - started, head[9:12] + b" " + body))
    finally:
        writer.close()
    return answers


def request_bytes(
    method: str, path: str, host: str, token: str | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def get_request(path: str, host: str, token: str | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
