"""Figures of the channels, each beside a baseline from the same run.

(a) Round trip of one appSend: an app on the WebSocket app channel, through the server,
    to a simulated device (a `devgroups simulate` process) and back; p50 and p99 beside
    a bare asyncio TCP echo (a line out, the same line back) to another process on the
    same machine. Blocks of the two alternate so that noise falls on both.
(b) Memory of the server process holding 10,000 idle device connections: its resident
    set before and after they log in, per connection (aim: under 20 KiB).

Run: .venv/bin/python bench/channels.py [--rounds 2000] [--devices 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.clients import Simulator  # noqa: E402
from tests.e2e.server import start_server  # noqa: E402

from bench.common import add_user, percentiles, print_machine  # noqa: E402

ECHO_SERVER = """
import asyncio, socket, sys
async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line)
async def main():
    sock = socket.socket(fileno=int(sys.argv[1]))
    server = await asyncio.start_server(echo, sock=sock)
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def app_send_rounds(url: str, token: str, device: dict[str, str], rounds: int) -> list[float]:
    latencies = []
    async with websockets.connect(url.replace("http://", "ws://") + "/ws") as ws:
        await ws.send(
            json.dumps(
                {"msgId": 0, "action": "appLogin", "params": {"appTid": "bench", "token": token}}
            )
        )
        json.loads(await ws.recv())
        for i in range(1, rounds + 1):
            message = {
                "msgId": i,
                "action": "appSend",
                "params": {
                    "devTid": device["devTid"],
                    "ctrlKey": device["ctrlKey"],
                    "data": {"cmdId": 2, "power": i % 2},
                },
            }
            started = time.perf_counter()
            await ws.send(json.dumps(message))
            while True:  # the device's devSend report arrives too: skip it
                answer = json.loads(await ws.recv())
                if answer.get("msgId") == i:
                    break
            latencies.append(time.perf_counter() - started)
            assert answer["code"] == 200, answer
    return latencies


async def echo_rounds(port: int, rounds: int) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    line = json.dumps({"msgId": 1, "action": "appSend", "params": {"data": {"power": 1}}})
    payload = line.encode() + b"\n"
    latencies = []
    for _ in range(rounds):
        started = time.perf_counter()
        writer.write(payload)
        await reader.readline()
        latencies.append(time.perf_counter() - started)
    writer.close()
    await writer.wait_closed()
    return latencies


def start_echo() -> tuple[subprocess.Popen[str], int]:
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", ECHO_SERVER, str(sock.fileno())],
        pass_fds=[sock.fileno()],
        stdout=subprocess.PIPE,
        text=True,
    )
    sock.close()
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc, port


def bench_round_trip(workdir: Path, rounds: int) -> None:
    data = workdir / "rtt"
    server = start_server(data)
    echo, echo_port = start_echo()
    sim = None
    try:
        add_user(data, "bench")
        token = httpx.post(
            f"{server.url}/login", json={"username": "bench", "password": "pw"}
        ).json()["access_token"]
        sim = Simulator(
            data, server.device_port, 1, "--mid", "m1", "--prodkey", "pk", "--owner", "bench"
        )
        ours: list[float] = []
        base: list[float] = []
        block = max(1, rounds // 10)
        asyncio.run(app_send_rounds(server.url, token, sim.devices[0], 100))  # warm up
        for _ in range(rounds // block):
            base += asyncio.run(echo_rounds(echo_port, block))
            ours += asyncio.run(app_send_rounds(server.url, token, sim.devices[0], block))
        p50, p99 = percentiles(ours)
        b50, b99 = percentiles(base)
        print(
            f"(a) appSend round trip, app -> server -> simulated device -> app "
            f"({len(ours)} rounds): "
            f"p50 {p50 * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us; bare asyncio TCP echo p50 "
            f"{b50 * 1e6:.0f} us, p99 {b99 * 1e6:.0f} us; ratio p50 {p50 / b50:.1f}x, "
            f"p99 {p99 / b99:.1f}x"
        )
    finally:
        if sim is not None:
            sim.stop()
        echo.terminate()
        echo.wait(timeout=10)
        if echo.stdout is not None:
            echo.stdout.close()
        server.stop()


def bench_memory(workdir: Path, count: int) -> None:
    data = workdir / "memory"
    server = start_server(data, "--device-idle-timeout", "3600")
    sim = None
    try:
        add_user(data, "bench")
        # Warm the server up with a few devices first, so that the figure is per connection.
        warm = Simulator(
            data,
            server.device_port,
            10,
            "--mid",
            "m1",
            "--prodkey",
            "pk",
            "--owner",
            "bench",
            "--prefix",
            "warm-",
            "--heartbeat",
            "300",
        )
        warm.stop()
        time.sleep(1.5)  # let the gateway flush the login times of the warm-up devices
        before = rss_kib(server.proc.pid)
        sim = Simulator(
            data,
            server.device_port,
            count,
            "--mid",
            "m1",
            "--prodkey",
            "pk",
            "--owner",
            "bench",
            "--heartbeat",
            "300",
        )
        time.sleep(1.5)  # the login times are flushed once a second
        after = rss_kib(server.proc.pid)
        per = (after - before) / count
        verdict = "meets" if per < 20 else "MISSES"
        print(
            f"(b) {count:,} idle device connections: server RSS {before / 1024:.1f} MiB -> "
            f"{after / 1024:.1f} MiB, {per:.1f} KiB per connection ({verdict} the aim < 20 KiB)"
        )
    finally:
        if sim is not None:
            sim.stop()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=10_000)
    args = parser.parse_args()
    print_machine()
    workdir = Path(tempfile.mkdtemp(prefix="devgroups-bench-"))
    try:
        bench_round_trip(workdir, args.rounds)
        bench_memory(workdir, args.devices)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
