"""Group control: one REST call to 512 simulated devices, beside the floor and the old way.

The server and a simulated fleet run as separate processes. Printed, from one run:
- devgroups: p50/p99 of POST /group/{id}/control to a group of 512 simulated devices;
- (a) the floor: this process serves 512 simulated devices of the same kind (a second
  `devgroups simulate` process) with a minimal asyncio program that writes the same 512
  appSend lines over their 512 connections and waits for the 512 answers; its rounds
  alternate with the REST rounds;
- (b) the way people do it today: the same 512 commands as single appSend calls on the
  app channel, one after another;
- 2,048 members in 4 groups of 512, the 4 controlled at the same time.

Run: .venv/bin/python bench/group_control.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.clients import Simulator  # noqa: E402
from tests.e2e.server import start_server  # noqa: E402

from bench.common import add_user, percentiles, print_machine  # noqa: E402
from bench.httpload import request_bytes, roundtrips  # noqa: E402

GROUP = 512
DATA = {"cmdId": 2, "power": 1}


class FloorDevice(asyncio.Protocol):
    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.dev_tid = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            message = orjson.loads(line)
            action = message.get("action")
            if action == "appSendResp":
                self.floor.answered()
            elif self.transport is not None:
                if action == "devLogin":
                    self.dev_tid = message["params"]["devTid"]
                    self.floor.devices.append(self)
                reply = {"msgId": message.get("msgId"), "action": f"{action}Resp", "code": 200}
                self.transport.write(orjson.dumps(reply) + b"\n")


class Floor:
    """The least any server must do: 512 lines out, 512 answers in."""

    def __init__(self) -> None:
        self.devices: list[FloorDevice] = []
        self.waiting = 0
        self.done: asyncio.Future[None] | None = None
        self.msg_id = 0

    def answered(self) -> None:
        self.waiting -= 1
        if self.waiting == 0 and self.done is not None and not self.done.done():
            self.done.set_result(None)

    async def round(self) -> float:
        self.done = asyncio.get_running_loop().create_future()
        self.waiting = len(self.devices)
        started = time.perf_counter()
        for device in self.devices:
            self.msg_id += 1
            line = {
                "msgId": self.msg_id,
                "action": "appSend",
                "params": {
                    "devTid": device.dev_tid,
                    "appTid": "floor",
                    "ctrlKey": "k",
                    "data": DATA,
                },
            }
            assert device.transport is not None
            device.transport.write(orjson.dumps(line) + b"\n")
        await asyncio.wait_for(self.done, 30)
        return time.perf_counter() - started


async def sequential_round(url: str, token: str, members: list[dict[str, str]]) -> float:
    async with websockets.connect(url.replace("http://", "ws://") + "/ws") as ws:
        await ws.send(
            json.dumps(
                {"msgId": 0, "action": "appLogin", "params": {"appTid": "bench", "token": token}}
            )
        )
        await ws.recv()
        started = time.perf_counter()
        for i, device in enumerate(members, 1):
            await ws.send(
                json.dumps(
                    {
                        "msgId": i,
                        "action": "appSend",
                        "params": {
                            "devTid": device["devTid"],
                            "ctrlKey": device["ctrlKey"],
                            "data": DATA,
                        },
                    }
                )
            )
            while json.loads(await ws.recv()).get("msgId") != i:
                pass  # devSend reports
        return time.perf_counter() - started


async def bench(args: argparse.Namespace, workdir: Path) -> None:
    data = workdir / "data"
    server = start_server(data, "--control-rate", "10000", "--control-burst", "10000")
    fleet = floor_fleet = None
    try:
        add_user(data, "bench")
        fleet = Simulator(
            data,
            server.device_port,
            4 * GROUP,
            "--mid",
            "m1",
            "--prodkey",
            "pk",
            "--owner",
            "bench",
        )
        loop = asyncio.get_running_loop()
        floor = Floor()
        floor_server = await loop.create_server(lambda: FloorDevice(floor), "127.0.0.1", 0)
        floor_port = floor_server.sockets[0].getsockname()[1]
        # In a thread: this loop must answer the floor fleet's logins meanwhile.
        floor_fleet = await asyncio.to_thread(
            Simulator, workdir / "floor", floor_port, GROUP, "--mid", "m1", "--prodkey", "pk"
        )
        assert len(floor.devices) == GROUP

        client = httpx.AsyncClient(base_url=server.url, timeout=60)
        token = (await client.post("/login", json={"username": "bench", "password": "pw"})).json()[
            "access_token"
        ]
        client.headers["Authorization"] = f"Bearer {token}"
        group_ids = []
        for g in range(4):
            members = fleet.devices[g * GROUP : (g + 1) * GROUP]
            made = await client.post(
                "/group",
                json={
                    "groupName": f"g{g}",
                    "desc": "d",
                    "deviceList": [
                        {"devTid": d["devTid"], "ctrlKey": d["ctrlKey"]} for d in members
                    ],
                },
            )
            group_ids.append(made.json()["groupId"])
        await client.aclose()
        port = int(server.url.rsplit(":", 1)[1])
        host = f"127.0.0.1:{port}"
        body = orjson.dumps({"data": DATA, "timeout": 5000})
        control = [
            request_bytes("POST", f"/group/{gid}/control", host, token, body) for gid in group_ids
        ]

        async def rest_round(request: bytes) -> float:
            ((latency, answer),) = await roundtrips("127.0.0.1", port, [request])
            summary = orjson.loads(answer[4:])["summary"]
            assert summary["succeeded"] == GROUP, summary
            return latency

        for _ in range(10):  # warm up both
            await rest_round(control[0])
            await floor.round()
        ours, base = [], []
        for _ in range(args.rounds):
            ours.append(await rest_round(control[0]))
            base.append(await floor.round())
        p50, p99 = percentiles(ours)
        f50, f99 = percentiles(base)
        print(
            f"devgroups POST /group/{{id}}/control, {GROUP} simulated devices, "
            f"{args.rounds} rounds: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
        )
        print(
            f"(a) floor, {GROUP} lines out and {GROUP} answers in, rounds alternated: "
            f"p50 {f50 * 1000:.1f} ms, p99 {f99 * 1000:.1f} ms; devgroups/floor "
            f"p50 {p50 / f50:.2f}x (aim <= 1.5x), p99 {p99 / f99:.2f}x (aim <= 2x)"
        )
        sequential = [
            await sequential_round(server.url, token, fleet.devices[:GROUP]) for _ in range(5)
        ]
        s50 = statistics.median(sequential)
        print(
            f"(b) the same {GROUP} commands as single appSend calls one after another: "
            f"median {s50 * 1000:.0f} ms a round, {s50 / p50:.0f}x the group call's p50"
        )

        async def concurrent_round() -> float:
            started = time.perf_counter()
            await asyncio.gather(*(rest_round(request) for request in control))
            return time.perf_counter() - started

        concurrent = [await concurrent_round() for _ in range(max(20, args.rounds // 10))]
        c50, c99 = percentiles(concurrent)
        print(
            f"4 groups x {GROUP} = {4 * GROUP} members controlled at the same time: "
            f"all 4 answered in p50 {c50 * 1000:.1f} ms, p99 {c99 * 1000:.1f} ms "
            f"({len(concurrent)} rounds)"
        )
        floor_server.close()
    finally:
        for sim in (fleet, floor_fleet):
            if sim is not None:
                sim.stop()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    print_machine()
    workdir = Path(tempfile.mkdtemp(prefix="devgroups-bench-"))
    try:
        asyncio.run(bench(args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
