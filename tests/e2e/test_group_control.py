"""Group control against simulated fleets: one command, every member, a result for each."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from devgroups.services import devices
from tests.e2e.clients import App, RawDevice, Simulator
from tests.e2e.conftest import Account, Fleet, admin_of, log_in, run_devgroups
from tests.e2e.server import start_server
from tests.factories import make_user

POWER_ON = {"cmdId": 2, "power": 1}


def make_group(account: Account, members: list[dict[str, str]], name: str = "g") -> str:
    body = {
        "groupName": name,
        "desc": "d",
        "deviceList": [{"devTid": d["devTid"], "ctrlKey": d["ctrlKey"]} for d in members],
    }
    made = account.client.post("/group", json=body)
    assert made.status_code == 201, made.text
    group_id: str = made.json()["groupId"]
    return group_id


def control(account: Account, group_id: str, **body: Any) -> httpx.Response:
    headers = body.pop("headers", {})
    return account.client.post(f"/group/{group_id}/control", json=body, headers=headers)


def test_every_member_succeeds(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    sim = fleet.simulate(20)
    try:
        group_id = make_group(alice, sim.devices)
        answer = control(alice, group_id, data=POWER_ON)
        assert answer.status_code == 200
        result = answer.json()
        assert result["groupId"] == group_id
        assert result["groupMid"] == "m1"
        assert result["members"] == [d["devTid"] for d in sim.devices]
        assert result["summary"] == {
            "total": 20,
            "succeeded": 20,
            "failed": 0,
            "offline": 0,
            "timedOut": 0,
            "status": "all",
        }
        for row in result["results"]:
            assert row["outcome"] == "succeeded" and row["code"] == 200
            assert row["data"] == {"cmdId": 1, "power": 1, "brightness": 0}
            assert 0 <= row["latencyMs"] < 3000
        status = alice.client.get(f"/group/{group_id}/status").json()
        assert (status["total"], status["online"], status["offline"]) == (20, 20, 0)
        assert all(
            m["lastReport"] == {"cmdId": 1, "power": 1, "brightness": 0} for m in status["members"]
        )
        assert all(m["reportedAt"] >= result["startedAt"] for m in status["members"])
    finally:
        assert sim.stop() == 0


def test_a_mixed_fleet_gets_exactly_the_right_outcomes(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    sim = fleet.simulate(
        8, "--silent", "0.25", "--failing", "0.25", "--slow", "0.25", "--slow-ms", "300"
    )
    devices.register_device(fleet.admin.store, "never-online", "ck", "m1", "bk", "alice")
    try:
        offline = {"devTid": "never-online", "ctrlKey": "ck", "behaviour": "offline"}
        members = [*sim.devices, offline]
        group_id = make_group(alice, members)
        started = time.monotonic()
        result = control(alice, group_id, data=POWER_ON, timeout=1500).json()
        took = time.monotonic() - started
        expected = {
            "silent": ("timedOut", 1400020),
            "failing": ("failed", 500),
            "slow": ("succeeded", 200),
            "normal": ("succeeded", 200),
            "offline": ("offline", 1400018),
        }
        by_device = {row["devTid"]: row for row in result["results"]}
        for member in members:
            row = by_device[member["devTid"]]
            assert (row["outcome"], row["code"]) == expected[member["behaviour"]], row
        assert by_device["never-online"]["latencyMs"] is None
        slow = [by_device[d["devTid"]]["latencyMs"] for d in sim.by_behaviour("slow")]
        assert min(slow) >= 300  # each member's own latency, not the group's
        assert result["summary"] == {
            "total": 9,
            "succeeded": 4,
            "failed": 2,
            "offline": 1,
            "timedOut": 2,
            "status": "partial",
        }
        assert 1.4 <= took < 5  # the silent members are waited for until the deadline only
    finally:
        assert sim.stop() == 0


def test_a_group_of_only_offline_or_failing_members_is_none(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    sim = fleet.simulate(2, "--failing", "1")
    try:
        group_id = make_group(alice, sim.devices)
        result = control(alice, group_id, data=POWER_ON).json()
        assert result["summary"]["status"] == "none"
        assert result["summary"]["failed"] == 2
    finally:
        assert sim.stop() == 0


def test_a_member_disconnecting_mid_command_is_reported(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    sim = fleet.simulate(3)
    devices.register_device(fleet.admin.store, "flaky", "ck", "m1", "bk", "alice")
    try:
        flaky = {"devTid": "flaky", "ctrlKey": "ck"}
        group_id = make_group(alice, [*sim.devices, flaky])

        async def run() -> dict[str, Any]:
            device = await RawDevice.connect(fleet.server.device_port)
            assert (await device.login("flaky", "pk"))["code"] == 200

            async def drop_on_command() -> None:
                while (await device.recv())["action"] != "appSend":
                    pass
                await device.close()

            dropping = asyncio.create_task(drop_on_command())
            answer = await asyncio.to_thread(control, alice, group_id, data=POWER_ON, timeout=5000)
            await dropping
            result: dict[str, Any] = answer.json()
            return result

        started = time.monotonic()
        result = asyncio.run(run())
        assert time.monotonic() - started < 4  # not held until the deadline
        by_device = {row["devTid"]: row for row in result["results"]}
        assert (by_device["flaky"]["outcome"], by_device["flaky"]["code"]) == ("offline", 1400021)
        assert result["summary"]["succeeded"] == 3
    finally:
        assert sim.stop() == 0


def test_idempotent_retries(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    devices.add_product(fleet.admin.store, "m1", "pk", "Socket")
    devices.register_device(fleet.admin.store, "counted", "ck", "m1", "bk", "alice")
    group_id = make_group(alice, [{"devTid": "counted", "ctrlKey": "ck"}])

    async def run() -> list[httpx.Response]:
        device = await RawDevice.connect(fleet.server.device_port)
        assert (await device.login("counted", "pk"))["code"] == 200
        commands = 0

        async def answer_slowly() -> None:
            nonlocal commands
            while True:
                message = await device.recv(timeout=60)
                if message["action"] == "appSend":
                    commands += 1
                    await asyncio.sleep(0.5)  # the retry below arrives while this one runs
                    device.write_line(
                        json.dumps(
                            {
                                "msgId": message["msgId"],
                                "action": "appSendResp",
                                "code": 200,
                                "desc": "ok",
                                "params": {"data": {"cmdId": 1, "power": 1}},
                            }
                        )
                    )

        answering = asyncio.create_task(answer_slowly())
        key = {"Idempotency-Key": "retry-1"}
        first, second = await asyncio.gather(
            asyncio.to_thread(control, alice, group_id, data=POWER_ON, headers=key),
            asyncio.to_thread(control, alice, group_id, data=POWER_ON, headers=key),
        )
        third = await asyncio.to_thread(control, alice, group_id, data=POWER_ON, headers=key)
        changed = await asyncio.to_thread(
            control, alice, group_id, data={"cmdId": 2, "power": 0}, headers=key
        )
        answering.cancel()
        await device.close()
        assert commands == 1
        return [first, second, third, changed]

    first, second, third, changed = asyncio.run(run())
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.json() == second.json() == third.json()
    assert first.json()["summary"]["succeeded"] == 1
    assert (changed.status_code, changed.json()["code"]) == (422, 6400035)


def test_concurrent_commands_to_overlapping_groups(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    sim = fleet.simulate(30, "--slow", "0.2", "--slow-ms", "200")
    try:
        first = make_group(alice, sim.devices[:20], "first")
        second = make_group(alice, sim.devices[10:], "second")

        def send(group_id: str, power: int) -> dict[str, Any]:
            answer = control(alice, group_id, data={"cmdId": 2, "power": power})
            assert answer.status_code == 200, answer.text
            result: dict[str, Any] = answer.json()
            return result

        results: dict[str, list[dict[str, Any]]] = {first: [], second: []}
        threads = [
            threading.Thread(target=lambda g=g, p=p: results[g].append(send(g, p)))
            for g, p in ((first, 1), (second, 0), (first, 0), (second, 1))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for group_id, members in ((first, sim.devices[:20]), (second, sim.devices[10:])):
            assert len(results[group_id]) == 2
            for result in results[group_id]:
                assert result["members"] == [d["devTid"] for d in members]
                assert result["summary"]["status"] == "all"
                assert [r["devTid"] for r in result["results"]] == result["members"]
                assert all(r["data"]["power"] == result["data"]["power"] for r in result["results"])
    finally:
        assert sim.stop() == 0


def test_results_are_kept_and_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    sim = None
    try:
        with admin_of(data) as admin:
            make_user(admin.store, "alice", "pw")
        sim = Simulator(
            data, server.device_port, 2, "--mid", "m1", "--prodkey", "pk", "--owner", "alice"
        )
        client = httpx.Client(base_url=server.url)
        token = log_in(client, "alice", "pw")
        body = {
            "groupName": "g",
            "desc": "d",
            "deviceList": [{"devTid": d["devTid"], "ctrlKey": d["ctrlKey"]} for d in sim.devices],
        }
        group_id = client.post("/group", json=body).json()["groupId"]
        result = client.post(f"/group/{group_id}/control", json={"data": POWER_ON}).json()
        client.close()
    finally:
        if sim is not None:
            assert sim.stop() == 0
        assert server.stop() == 0
    again = start_server(data)
    try:
        with httpx.Client(base_url=again.url) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            kept = client.get(f"/group/{group_id}/control/{result['commandId']}")
            assert kept.status_code == 200
            assert kept.json() == result
            missing = client.get(f"/group/{group_id}/control/nope")
            assert (missing.status_code, missing.json()["code"]) == (404, 6400037)
            status = client.get(f"/group/{group_id}/status").json()
            assert (status["online"], status["offline"]) == (0, 2)
    finally:
        assert again.stop() == 0


def test_the_result_names_exactly_the_devices_sent_to(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    sim = fleet.simulate(3, "--silent", "0.34")
    try:
        group_id = make_group(alice, sim.devices)
        leaving = sim.by_behaviour("normal")[0]

        def meanwhile() -> None:
            time.sleep(0.3)  # the command waits for its silent member for 1.5 s
            removed = alice.client.request(
                "DELETE",
                f"/group/{group_id}",
                json=[{"devTid": leaving["devTid"], "ctrlKey": leaving["ctrlKey"]}],
            )
            assert removed.status_code == 204

        remover = threading.Thread(target=meanwhile)
        remover.start()
        result = control(alice, group_id, data=POWER_ON, timeout=1500).json()
        remover.join(timeout=30)
        assert result["members"] == [d["devTid"] for d in sim.devices]
        assert result["summary"]["total"] == 3
        after = control(alice, group_id, data=POWER_ON, timeout=1500).json()
        assert leaving["devTid"] not in after["members"]
    finally:
        assert sim.stop() == 0


def test_bad_control_requests(fleet: Fleet) -> None:
    alice, bob = fleet.account("alice"), fleet.account("bob")
    devices.register_device(fleet.admin.store, "d1", "ck", "m1", "bk", "alice")
    group_id = make_group(alice, [{"devTid": "d1", "ctrlKey": "ck"}])
    cases: list[tuple[Account, str, dict[str, Any], int, int]] = [
        (alice, group_id, {"data": POWER_ON, "timeout": 99}, 400, 6400017),
        (alice, group_id, {"data": POWER_ON, "timeout": 30001}, 400, 6400017),
        (alice, group_id, {"data": [1]}, 400, 6400017),
        (alice, group_id, {}, 400, 6400017),
        (
            alice,
            group_id,
            {"data": POWER_ON, "headers": {"Idempotency-Key": "k" * 129}},
            400,
            6400017,
        ),
        (alice, "nope", {"data": POWER_ON}, 404, 6400026),
        (bob, group_id, {"data": POWER_ON}, 404, 6400026),
    ]
    for account, target, body, status, code in cases:
        answer = control(account, target, **body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
    assert bob.client.get(f"/group/{group_id}/status").status_code == 404


def test_group_control_is_rate_limited_per_user(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data, "--control-rate", "0.1", "--control-burst", "2")
    try:
        with admin_of(data) as admin:
            for name in ("alice", "bob"):
                make_user(admin.store, name, "pw")
                devices.register_device(admin.store, f"{name}-d", "ck", "m1", "bk", name)
        answers: dict[str, list[httpx.Response]] = {}
        for name in ("alice", "bob"):
            with httpx.Client(base_url=server.url) as client:
                log_in(client, name, "pw")
                body = {
                    "groupName": "g",
                    "desc": "d",
                    "deviceList": [{"devTid": f"{name}-d", "ctrlKey": "ck"}],
                }
                group_id = client.post("/group", json=body).json()["groupId"]
                answers[name] = [
                    client.post(f"/group/{group_id}/control", json={"data": POWER_ON})
                    for _ in range(3 if name == "alice" else 1)
                ]
        assert [a.status_code for a in answers["alice"]] == [200, 200, 429]
        limited = answers["alice"][2]
        assert limited.json()["code"] == 400016
        assert limited.headers["Retry-After"] == "1"
        assert answers["bob"][0].status_code == 200  # one user's limit is not another's
    finally:
        assert server.stop() == 0


def test_app_group_send_streams_progress_and_reports_keep_flowing(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    token = alice.client.headers["Authorization"].split()[1]
    sim = fleet.simulate(5)
    try:
        group_id = make_group(alice, sim.devices)

        async def run() -> tuple[list[dict[str, Any]], dict[str, Any], int]:
            app = await App.connect(fleet.server.url)
            await app.login(token)
            sent = await app.send(
                "appGroupSend", groupId=group_id, data=POWER_ON, timeout=2000, progress=True
            )
            progress, reports = [], 0
            while True:
                message = await app.recv()
                if message["action"] == "appGroupSendProgress":
                    assert message["msgId"] == sent
                    progress.append(message["params"])
                elif message["action"] == "devSend":
                    reports += 1
                elif message["action"] == "appGroupSendResp":
                    final = message
                    break
            while reports < 5:
                if (await app.recv())["action"] == "devSend":
                    reports += 1
            missing = await app.send("appGroupSend", groupId="nope", data=POWER_ON)
            refused = await app.answer_to(missing)
            assert refused["code"] == 6400026
            await app.close()
            return progress, final, reports

        progress, final, reports = asyncio.run(run())
        assert final["code"] == 200
        assert final["params"]["summary"]["status"] == "all"
        assert sorted(p["devTid"] for p in progress) == sorted(final["params"]["members"])
        assert reports == 5
    finally:
        assert sim.stop() == 0


def test_the_control_command_line(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    sim = fleet.simulate(4, "--failing", "0.25")
    try:
        group_id = make_group(alice, sim.devices)
        done = run_devgroups(
            fleet.server.data_dir,
            "control",
            group_id,
            '{"cmdId": 2, "power": 1}',
            "--user",
            "alice",
            "--server",
            fleet.server.url,
        )
        assert done.returncode == 3, done.stderr
        assert "partial: 3/4 succeeded, 1 failed" in done.stdout
        for device in sim.devices:
            assert device["devTid"] in done.stdout
        missing = run_devgroups(
            fleet.server.data_dir,
            "control",
            "nope",
            "{}",
            "--user",
            "alice",
            "--server",
            fleet.server.url,
        )
        assert missing.returncode == 1 and "6400026" in missing.stderr
    finally:
        assert sim.stop() == 0
