"""The server as a process: racing clients, kill -9, the command line beside it, SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx

from tests.e2e.conftest import Fleet, admin_of, log_in, run_devgroups
from tests.e2e.server import start_server
from tests.factories import device_json, make_devices, make_user


async def race(url: str, token: str, requests: list[tuple[str, str, object]]) -> list[int]:
    """Send all requests at once on separate connections; return their statuses."""
    limits = httpx.Limits(max_connections=len(requests))
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:
        answers = await asyncio.gather(
            *(client.request(method, path, json=body) for method, path, body in requests)
        )
    return [answer.status_code for answer in answers]


def token_of(fleet: Fleet, client: httpx.Client) -> str:
    return client.headers["Authorization"].split()[1]


def test_twenty_concurrent_creates_leave_ten_groups(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = device_json(alice.devices(fleet.admin, 1))
    for i in range(9):
        assert (
            alice.client.post(
                "/group", json={"groupName": f"g{i}", "deviceList": refs, "desc": "d"}
            ).status_code
            == 201
        )
    body = {"groupName": "late", "deviceList": refs, "desc": "d"}
    statuses = asyncio.run(
        race(fleet.server.url, token_of(fleet, alice.client), [("POST", "/group", body)] * 20)
    )
    assert sorted(statuses) == [201] + [409] * 19
    assert len(alice.client.get("/group").json()) == 10


def test_concurrent_additions_never_pass_512(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = device_json(alice.devices(fleet.admin, 600))
    gid = alice.client.post(
        "/group", json={"groupName": "g", "deviceList": refs[:500], "desc": "d"}
    ).json()["groupId"]
    batches = [("POST", f"/group/{gid}", refs[500 + 5 * i : 505 + 5 * i]) for i in range(20)]
    statuses = asyncio.run(race(fleet.server.url, token_of(fleet, alice.client), batches))
    assert statuses.count(201) == 2
    assert statuses.count(409) == 18
    (group,) = alice.client.get("/group", params={"groupId": gid}).json()
    assert len(group["deviceList"]) == 510


def seed_alice(data_dir: Path, devices: int, db_url: str | None = None) -> list[dict[str, str]]:
    """Create alice (password pw) with devices, as the command line would beside the server."""
    with admin_of(data_dir, db_url) as admin:
        make_user(admin.store, "alice", "pw")
        return device_json(make_devices(admin.store, "alice", devices))


def test_answered_writes_survive_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    try:
        refs = seed_alice(data, 3)
        with httpx.Client(base_url=server.url) as client:
            token = log_in(client, "alice", "pw")
            made = [
                client.post("/group", json={"groupName": f"g{i}", "deviceList": refs, "desc": "d"})
                for i in range(5)
            ]
            assert all(answer.status_code == 201 for answer in made)
            gid = made[0].json()["groupId"]
            assert client.put(f"/group/{gid}", json={"newGroupName": "last"}).status_code == 204
    finally:
        assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    again = start_server(data)
    try:
        with httpx.Client(base_url=again.url) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            listed = client.get("/group").json()
        assert [g["groupId"] for g in listed] == [answer.json()["groupId"] for answer in made]
        assert listed[0]["groupName"] == "last"
    finally:
        assert again.stop() == 0


def test_command_line_works_while_the_server_runs(fleet: Fleet) -> None:
    def devgroups(*args: str) -> subprocess.CompletedProcess[str]:
        return run_devgroups(fleet.server.data_dir, *args)

    made = devgroups("user", "add", "carol", "--password", "pw")
    assert made.returncode == 0, made.stderr
    uid = made.stdout.strip()
    assert uid.isdigit() and len(uid) == 11
    added = devgroups(
        "device", "add", "--devtid", "ESP_CLI", "--ctrlkey", "ck", "--mid", "m1", "--owner", "carol"
    )
    assert added.returncode == 0, added.stderr
    again = devgroups("device", "add", "--devtid", "ESP_CLI", "--ctrlkey", "ck", "--mid", "m1")
    assert again.returncode == 1
    assert "6400033" in again.stderr
    taken = devgroups("user", "add", "carol", "--password", "pw")
    assert (taken.returncode, "6400032" in taken.stderr) == (1, True)

    client = fleet.client()
    session = client.post("/login", json={"username": "carol", "password": "pw"}).json()
    assert session["user"] == uid
    carol = fleet.client(session["access_token"])
    made_group = carol.post(
        "/group",
        json={
            "groupName": "g",
            "deviceList": [{"devTid": "ESP_CLI", "ctrlKey": "ck"}],
            "desc": "d",
        },
    )
    assert made_group.status_code == 201
    assert made_group.json()["groupMid"] == "m1"


def test_sigterm_stops_the_server_cleanly(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    assert server.stop(signal.SIGTERM) == 0
    server = start_server(tmp_path / "data")
    assert server.stop(signal.SIGINT) == 0


def test_serve_on_another_database_url(tmp_path: Path, fresh_postgres: str) -> None:
    server = start_server(tmp_path / "data", "--db", fresh_postgres)
    try:
        refs = seed_alice(tmp_path / "data", 2, fresh_postgres)
        with httpx.Client(base_url=server.url) as client:
            log_in(client, "alice", "pw")
            made = client.post("/group", json={"groupName": "g", "deviceList": refs, "desc": "d"})
            assert made.status_code == 201
            assert client.get("/group").json() == [made.json()]
            gid = made.json()["groupId"]
            assert client.put(f"/group/{gid}", json={"newGroupName": "n"}).status_code == 204
            assert client.get("/group").json()[0]["groupName"] == "n"
        assert not (tmp_path / "data" / "devgroups.sqlite3").exists()
    finally:
        assert server.stop() == 0
