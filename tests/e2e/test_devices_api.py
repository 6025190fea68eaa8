"""Binding, listing and unbinding devices over HTTP."""

from __future__ import annotations

import asyncio

from devgroups.services import devices
from tests.e2e.clients import RawDevice, eventually
from tests.e2e.conftest import Fleet
from tests.factories import device_json


def register(fleet: Fleet, dev_tid: str, mid: str = "m1", owner: str | None = None) -> None:
    devices.add_product(fleet.admin.store, mid, "pk", "Socket")
    devices.register_device(
        fleet.admin.store, dev_tid, f"ck-{dev_tid}", mid, f"bk-{dev_tid}", owner
    )


def test_bind_answers_201_with_the_device(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    register(fleet, "ESP_1")
    answer = alice.client.post(
        "/device", json={"devTid": "ESP_1", "bindKey": "bk-ESP_1", "deviceName": "hall lamp"}
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["devTid"] == "ESP_1"
    assert body["ctrlKey"] == "ck-ESP_1"
    assert body["mid"] == "m1"
    assert body["productName"] == {"en_US": "Socket", "zh_CN": "Socket"}
    assert body["ownerUid"] == alice.uid
    assert body["deviceName"] == "hall lamp"
    assert body["online"] is False
    assert body["workModeType"] == "JSON_CTRL"
    assert body["groupInfo"] == []
    host, port = fleet.server.url.removeprefix("http://").split(":")
    assert body["dcInfo"] == {
        "connectHost": host,
        "connectPort": int(port),
        "connectUrl": f"ws://{host}:{port}/ws",
    }
    assert alice.client.get("/device").json() == [body]


def test_bind_refusals_change_nothing(fleet: Fleet) -> None:
    alice, bob = fleet.account("alice"), fleet.account("bob")
    register(fleet, "ESP_1")
    register(fleet, "ESP_2", owner="bob")
    assert (
        alice.client.post("/device", json={"devTid": "ESP_1", "bindKey": "bk-ESP_1"}).status_code
        == 201
    )
    cases = [
        ({"devTid": "nope", "bindKey": "x"}, 404, 6400004),
        ({"devTid": "ESP_2", "bindKey": "wrong"}, 403, 5400012),
        ({"devTid": "ESP_1", "bindKey": "bk-ESP_1"}, 409, 5400013),
        ({"devTid": "ESP_2", "bindKey": "bk-ESP_2"}, 409, 5400043),
        ({"devTid": "", "bindKey": "x"}, 400, 5400017),
        ({"bindKey": "x"}, 400, 5400017),
        ({"devTid": "ESP_1"}, 400, 6400017),
    ]
    for body, status, code in cases:
        before = fleet.dump()
        answer = alice.client.post("/device", json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
        assert fleet.dump() == before
    assert [d["devTid"] for d in bob.client.get("/devices").json()] == ["ESP_2"]
    # bob's device is invisible to alice and out of her reach
    assert alice.client.get("/device", params={"devTid": "ESP_2"}).json() == []
    taken = alice.client.delete("/device/ESP_2")
    assert (taken.status_code, taken.json()["code"]) == (403, 5400014)


def test_list_pages_and_filters(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    for i in range(5):
        register(fleet, f"ESP_{i}", owner="alice")
    client = alice.client
    first = client.get("/devices", params={"size": 2, "page": 0}).json()
    second = client.get("/devices", params={"size": 2, "page": 1}).json()
    last = client.get("/devices", params={"size": 2, "page": 2}).json()
    assert [d["devTid"] for d in first + second + last] == [f"ESP_{i}" for i in range(5)]
    assert client.get("/device", params={"devTid": "ESP_3"}).json()[0]["devTid"] == "ESP_3"
    assert client.get("/device", params={"devTid": "nope"}).json() == []
    for bad in ({"size": 51}, {"size": 0}, {"page": -1}, {"size": "x"}):
        answer = client.get("/devices", params=bad)
        assert (answer.status_code, answer.json()["code"]) == (400, 6400017), bad


def test_group_info_lists_every_group_of_a_device(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 2)
    made = [
        alice.client.post(
            "/group", json={"groupName": name, "deviceList": device_json(refs[:n]), "desc": "d"}
        ).json()
        for name, n in (("first", 1), ("second", 2))
    ]
    (info,) = alice.client.get("/device", params={"devTid": refs[0].dev_tid}).json()
    assert info["groupInfo"] == [
        {"groupId": g["groupId"], "groupName": g["groupName"]} for g in made
    ]


def test_unbind_leaves_the_users_groups(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 2)
    shared = alice.client.post(
        "/group", json={"groupName": "shared", "deviceList": device_json(refs), "desc": "d"}
    ).json()
    alone = alice.client.post(
        "/group", json={"groupName": "alone", "deviceList": device_json(refs[:1]), "desc": "d"}
    ).json()
    assert len(alice.client.get("/group").json()) == 2  # the listing is cached now
    gone = refs[0].dev_tid
    assert alice.client.delete(f"/device/{gone}").status_code == 204
    listed = alice.client.get("/group").json()
    assert [g["groupId"] for g in listed] == [shared["groupId"]]  # a group left empty goes
    assert listed[0]["deviceList"] == device_json(refs[1:])
    assert alone["groupId"] not in {g["groupId"] for g in listed}
    assert [d["devTid"] for d in alice.client.get("/devices").json()] == [refs[1].dev_tid]
    again = alice.client.delete(f"/device/{gone}")
    assert (again.status_code, again.json()["code"]) == (403, 5400014)
    unknown = alice.client.delete("/device/nope")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 6400004)
    wrong_key = alice.client.delete(f"/device/{refs[1].dev_tid}", params={"bindKey": "wrong"})
    assert (wrong_key.status_code, wrong_key.json()["code"]) == (403, 5400012)


def test_online_follows_the_device_connection(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    register(fleet, "ESP_1", owner="alice")

    def online() -> bool:
        (info,) = alice.client.get("/device", params={"devTid": "ESP_1"}).json()
        return bool(info["online"])

    async def connect_then_leave() -> None:
        device = await RawDevice.connect(fleet.server.device_port)
        assert (await device.login("ESP_1", "pk"))["code"] == 200
        await asyncio.to_thread(eventually, online)
        await device.close()
        await asyncio.to_thread(eventually, lambda: not online(), 2.0)

    assert not online()
    asyncio.run(connect_then_leave())
    eventually(
        lambda: (
            alice.client.get("/device", params={"devTid": "ESP_1"}).json()[0]["lastLoginTime"]
            is not None
        ),
        5.0,
    )
