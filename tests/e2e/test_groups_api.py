"""The six group calls over HTTP, as Hekr's page documents them."""

from __future__ import annotations

import time

from tests.e2e.conftest import Fleet
from tests.factories import device_json


def test_create_answers_201_with_the_documented_fields(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 2)
    before = int(time.time() * 1000)
    answer = alice.client.post(
        "/group",
        json={"groupName": "走廊灯组", "deviceList": device_json(refs), "desc": "xxxx"},
    )
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {
        "groupName",
        "groupId",
        "deviceList",
        "desc",
        "createTime",
        "updateTime",
        "groupMid",
    }
    assert body["groupName"] == "走廊灯组"
    assert body["deviceList"] == device_json(refs)
    assert body["desc"] == "xxxx"
    assert body["updateTime"] is None
    assert body["groupMid"] == "01d838"
    assert before <= body["createTime"] <= int(time.time() * 1000)


def test_list_shows_only_the_callers_groups(fleet: Fleet) -> None:
    alice, bob = fleet.account("alice"), fleet.account("bob")
    a = alice.client.post(
        "/group",
        json={
            "groupName": "a",
            "deviceList": device_json(alice.devices(fleet.admin, 1)),
            "desc": "d",
        },
    ).json()
    b = bob.client.post(
        "/group",
        json={
            "groupName": "b",
            "deviceList": device_json(bob.devices(fleet.admin, 1)),
            "desc": "d",
        },
    ).json()
    assert alice.client.get("/group").json() == [a]
    assert bob.client.get("/group").json() == [b]
    assert alice.client.get("/group", params={"groupId": a["groupId"]}).json() == [a]
    hidden = alice.client.get("/group", params={"groupId": b["groupId"]})
    missing = alice.client.get("/group", params={"groupId": "no-such-group"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"] == 6400026
    assert hidden.json()["desc"] == missing.json()["desc"]


def test_rename_add_remove_delete(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 3)
    group = alice.client.post(
        "/group", json={"groupName": "a", "deviceList": device_json(refs[:1]), "desc": "d"}
    ).json()
    gid = group["groupId"]

    renamed = alice.client.put(f"/group/{gid}", json={"newGroupName": "新的组名"})
    assert (renamed.status_code, renamed.content) == (204, b"")
    (after_rename,) = alice.client.get("/group", params={"groupId": gid}).json()
    assert after_rename["groupName"] == "新的组名"
    assert after_rename["updateTime"] >= after_rename["createTime"]

    added = alice.client.post(f"/group/{gid}", json=device_json(refs[1:]))
    assert (added.status_code, added.content) == (201, b"")
    (after_add,) = alice.client.get("/group", params={"groupId": gid}).json()
    assert after_add["deviceList"] == device_json(refs)

    removed = alice.client.request("DELETE", f"/group/{gid}", json=device_json(refs[:2]))
    assert (removed.status_code, removed.content) == (204, b"")
    (after_remove,) = alice.client.get("/group", params={"groupId": gid}).json()
    assert after_remove["deviceList"] == device_json(refs[2:])

    deleted = alice.client.delete("/group", params={"groupId": gid})
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert alice.client.get("/group").json() == []
    again = alice.client.delete("/group", params={"groupId": gid})
    assert (again.status_code, again.json()["code"]) == (404, 6400026)


def test_limits_of_the_page(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 513)
    too_many = alice.client.post(
        "/group", json={"groupName": "a", "deviceList": device_json(refs), "desc": "d"}
    )
    assert (too_many.status_code, too_many.json()["code"]) == (400, 6400017)
    full = alice.client.post(
        "/group", json={"groupName": "a", "deviceList": device_json(refs[:512]), "desc": "d"}
    )
    assert full.status_code == 201
    over = alice.client.post(f"/group/{full.json()['groupId']}", json=device_json(refs[512:]))
    assert (over.status_code, over.json()["code"]) == (409, 6400028)
    for i in range(9):
        made = alice.client.post(
            "/group", json={"groupName": f"g{i}", "deviceList": device_json(refs[:1]), "desc": "d"}
        )
        assert made.status_code == 201
    eleventh = alice.client.post(
        "/group", json={"groupName": "x", "deviceList": device_json(refs[:1]), "desc": "d"}
    )
    assert (eleventh.status_code, eleventh.json()["code"]) == (409, 6400027)
    assert len(alice.client.get("/group").json()) == 10


def test_login_and_refresh(fleet: Fleet) -> None:
    fleet.account("alice", "pw-1")
    anonymous = fleet.client()
    wrong = anonymous.post("/login", json={"username": "alice", "password": "nope"})
    unknown = anonymous.post("/login", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == 3400001

    session = anonymous.post(
        "/login",
        json={
            "username": "alice",
            "password": "pw-1",
            "pid": "00000000000",
            "clientType": "ANDROID",
        },
    ).json()
    assert set(session) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "jti",
        "user",
    }
    assert (session["token_type"], session["expires_in"]) == ("bearer", 86400)

    renewed = anonymous.post(
        "/token/refresh", json={"refresh_token": session["refresh_token"], "expires_in": 3600}
    )
    assert renewed.status_code == 200
    fresh = renewed.json()
    assert fresh["user"] == session["user"]
    assert fresh["expires_in"] == 3600
    assert fleet.client(fresh["access_token"]).get("/group").status_code == 200
    reused = anonymous.post("/token/refresh", json={"refresh_token": session["refresh_token"]})
    assert (reused.status_code, reused.json()["code"]) == (403, 3400015)


def test_openapi_describes_every_call(fleet: Fleet) -> None:
    spec = fleet.client().get("/openapi.json").json()
    operations = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert {
        ("/login", "post"),
        ("/token/refresh", "post"),
        ("/group", "post"),
        ("/group", "get"),
        ("/group", "delete"),
        ("/group/{groupId}", "put"),
        ("/group/{groupId}", "post"),
        ("/group/{groupId}", "delete"),
    } <= operations
    assert fleet.client().get("/docs").status_code == 200


def test_listing_is_current_after_a_write_by_another_process(fleet: Fleet) -> None:
    from devgroups.services import groups

    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 2)
    made = alice.client.post(
        "/group", json={"groupName": "a", "deviceList": device_json(refs[:1]), "desc": "d"}
    ).json()
    for _ in range(3):  # warm every cache the server keeps
        assert alice.client.get("/group").json() == [made]
    # fleet.admin is a second process's view of the same database, as another node's would be
    groups.add_devices(fleet.admin.store, alice.uid, made["groupId"], refs[1:])
    groups.rename_group(fleet.admin.store, alice.uid, made["groupId"], "renamed elsewhere")
    (listed,) = alice.client.get("/group").json()
    assert listed["groupName"] == "renamed elsewhere"
    assert listed["deviceList"] == device_json(refs)
    (one,) = alice.client.get("/group", params={"groupId": made["groupId"]}).json()
    assert one == listed
