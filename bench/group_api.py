"""Figures of the group API on the embedded default, each beside a baseline from the same run.

(a) authenticated GET /group of a user with 10 groups of 512 devices, and
(b) GET /group?groupId= of a 10-device group, each against a minimal ASGI app served by
    the same server software (uvicorn, same loop and HTTP parser) answering the same
    bytes precomputed; rounds of the two alternate so that noise hits both alike.
(c) POST /group of 512 devices, against plain sqlite3 inserting the same rows (a group
    and its 512 members, same schema, same pragmas) in one transaction.

Run: .venv/bin/python bench/group_api.py [--seconds 2] [--rounds 3] [--connections 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import start_server  # noqa: E402

from bench.common import print_machine  # noqa: E402
from bench.httpload import get_request, measure, request_bytes, roundtrips  # noqa: E402
from devgroups.config import Settings  # noqa: E402
from devgroups.domain.model import Device  # noqa: E402
from devgroups.runtime import open_runtime  # noqa: E402
from devgroups.services import accounts  # noqa: E402


def seed(data_dir: Path) -> None:
    """Two users: alice with 5,120 devices of one product, bob with 10."""
    runtime = open_runtime(Settings(data_dir=data_dir))
    try:
        for name, count in (("alice", 5120 + 512), ("bob", 10)):
            accounts.create_user(runtime.store, name, "pw")
            with runtime.store.write() as tx:
                uid = tx.user_by_name(name).uid  # type: ignore[union-attr]
                for i in range(count):
                    tx.insert_device(Device(f"{name}-{i:05d}", f"k{i}", "b", "01d838", uid), 0)
    finally:
        runtime.close()


def devices(name: str, start: int, count: int) -> list[dict[str, str]]:
    return [{"devTid": f"{name}-{i:05d}", "ctrlKey": f"k{i}"} for i in range(start, start + count)]


def start_baseline(body: bytes, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    body_file = workdir / "baseline-body.json"
    body_file.write_bytes(body)
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as devgroups serve does
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.baseline_app:app",
            "--fd",
            str(sock.fileno()),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        pass_fds=[sock.fileno()],
        cwd=ROOT,
        env={**os.environ, "BENCH_BODY_FILE": str(body_file)},
    )
    sock.close()
    deadline = time.monotonic() + 30
    while True:
        try:
            with httpx.Client() as client:
                if client.get(f"http://127.0.0.1:{port}/").content == body:
                    return proc, port
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)


def rate(host: str, port: int, request: bytes, seconds: float, connections: int) -> int:
    return len(asyncio.run(measure(host, port, request, seconds, connections)))


def compare(
    label: str,
    ours: tuple[int, bytes],
    baseline: tuple[int, bytes],
    args: argparse.Namespace,
    aim: float,
) -> None:
    counts = {"devgroups": 0, "baseline": 0}
    for _ in range(args.rounds):
        for name, (port, request) in (("baseline", baseline), ("devgroups", ours)):
            counts[name] += rate("127.0.0.1", port, request, args.seconds, args.connections)
    seconds = args.rounds * args.seconds
    ours_rate, base_rate = counts["devgroups"] / seconds, counts["baseline"] / seconds
    ratio = ours_rate / base_rate
    verdict = "meets" if ratio >= aim else "MISSES"
    print(
        f"{label}: devgroups {ours_rate:,.0f} req/s, baseline {base_rate:,.0f} req/s, "
        f"ratio {ratio:.2f} ({verdict} the aim >= {aim:.2f})"
    )


def bench_create(port: int, token: str, data_dir: Path, rounds: int) -> None:
    host = f"127.0.0.1:{port}"
    # Encoded once: the figure is the server's work, not the client's JSON encoder.
    body = orjson.dumps(
        {"groupName": "bench", "deviceList": devices("alice", 5120, 512), "desc": "d"}
    )
    create = request_bytes("POST", "/group", host, token, body)
    plain = PlainSqlite(data_dir)
    ours, base = [], []
    try:
        for _ in range(rounds):  # alternate, so that the machine's noise hits both alike
            ((latency, answer),) = asyncio.run(roundtrips("127.0.0.1", port, [create]))
            assert answer.startswith(b"201 "), answer[:200]
            ours.append(latency)
            base.append(plain.insert_group())
            gid = orjson.loads(answer[4:])["groupId"]
            delete = request_bytes("DELETE", f"/group?groupId={gid}", host, token)
            asyncio.run(roundtrips("127.0.0.1", port, [delete]))
    finally:
        plain.close()
    ratio = statistics.median(ours) / statistics.median(base)
    verdict = "meets" if ratio <= 3 else "MISSES"
    print(
        f"(c) create a 512-device group: devgroups median {statistics.median(ours) * 1000:.1f} ms, "
        f"plain sqlite3 {statistics.median(base) * 1000:.1f} ms, "
        f"ratio {ratio:.2f}x ({verdict} the aim <= 3x)"
    )


class PlainSqlite:
    """A group and its 512 members inserted in one transaction, on a copy of the schema."""

    def __init__(self, data_dir: Path) -> None:
        source = sqlite3.connect(data_dir / "devgroups.sqlite3")
        schema = [
            row[0]
            for row in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
            if "sqlite_" not in row[0]
        ]
        source.close()
        self.db = sqlite3.connect(data_dir / "plain.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        for statement in schema:
            self.db.execute(statement)

    def insert_group(self) -> float:
        gid = uuid.uuid4().hex
        started = time.perf_counter()
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            'INSERT INTO groups (group_id, owner_uid, name, "desc", mid, create_time) '
            "VALUES (?, 'u', 'bench', 'd', '01d838', 0)",
            (gid,),
        )
        self.db.executemany(
            "INSERT INTO group_members (group_id, devtid, position) VALUES (?, ?, ?)",
            [(gid, f"alice-{i:05d}", i) for i in range(512)],
        )
        self.db.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each side")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    print_machine()

    workdir = Path(tempfile.mkdtemp(prefix="devgroups-bench-"))
    data_dir = workdir / "data"
    seed(data_dir)
    server = start_server(data_dir)
    baselines: list[subprocess.Popen[bytes]] = []
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            tokens = {
                name: client.post("/login", json={"username": name, "password": "pw"}).json()[
                    "access_token"
                ]
                for name in ("alice", "bob")
            }
            client.headers["Authorization"] = f"Bearer {tokens['alice']}"
            for g in range(10):
                made = client.post(
                    "/group",
                    json={
                        "groupName": f"g{g}",
                        "deviceList": devices("alice", 512 * g, 512),
                        "desc": "d",
                    },
                )
                assert made.status_code == 201, made.text
            big = client.get("/group").content
            client.headers["Authorization"] = f"Bearer {tokens['bob']}"
            small_id = client.post(
                "/group",
                json={"groupName": "small", "deviceList": devices("bob", 0, 10), "desc": "d"},
            ).json()["groupId"]
            small = client.get("/group", params={"groupId": small_id}).content
        port = int(server.url.rsplit(":", 1)[1])
        host = f"127.0.0.1:{port}"

        base_big, big_port = start_baseline(big, workdir)
        baselines.append(base_big)
        compare(
            f"(a) GET /group, 10 groups x 512 devices ({len(big):,} bytes)",
            (port, get_request("/group", host, tokens["alice"])),
            (big_port, get_request("/group", host)),
            args,
            aim=0.5,
        )
        base_small, small_port = start_baseline(small, workdir)
        baselines.append(base_small)
        compare(
            f"(b) GET /group?groupId=, 10 devices ({len(small):,} bytes)",
            (port, get_request(f"/group?groupId={small_id}", host, tokens["bob"])),
            (small_port, get_request(f"/group?groupId={small_id}", host)),
            args,
            aim=0.3,
        )
        # alice is at her limit of 10 groups: make room for the create rounds
        with httpx.Client(base_url=server.url, timeout=60) as client:
            client.headers["Authorization"] = f"Bearer {tokens['alice']}"
            first = client.get("/group").json()[0]["groupId"]
            client.delete("/group", params={"groupId": first})
        bench_create(port, tokens["alice"], data_dir, rounds=60)
    finally:
        for proc in baselines:
            proc.terminate()
            proc.wait(timeout=10)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
