"""Every bad request gets its documented Hekr error and leaves the stored state as it was."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest

from devgroups.auth.keys import KEY_FILE
from tests.e2e.conftest import Fleet
from tests.factories import device_json, make_devices, token_claims


@dataclass
class Case:
    name: str
    method: str
    path: str
    status: int
    code: int
    kwargs: dict[str, Any] = field(default_factory=dict)
    token: str | None = None


def token_with(fleet: Fleet, uid: str, **override: Any) -> str:
    key = (fleet.server.data_dir / KEY_FILE).read_bytes()
    return jwt.encode(token_claims(uid, **override), key, algorithm="RS256")


def unsigned_token(uid: str) -> str:
    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(token_claims(uid))}."


def hs256_token(uid: str) -> str:
    return jwt.encode(token_claims(uid), "a-shared-secret-of-32-bytes-or-more!", algorithm="HS256")


def test_bad_requests_are_refused_and_change_nothing(fleet: Fleet, subtests: Any) -> None:
    alice, bob = fleet.account("alice"), fleet.account("bob")
    mine = alice.devices(fleet.admin, 4)
    other_product = alice.devices(fleet.admin, 1, mid="other-mid")
    bobs = bob.devices(fleet.admin, 1)
    unbound = make_devices(fleet.admin.store, None, 1)
    group = alice.client.post(
        "/group", json={"groupName": "g", "deviceList": device_json(mine[:2]), "desc": "d"}
    ).json()
    gid = group["groupId"]
    bobs_gid = bob.client.post(
        "/group", json={"groupName": "b", "deviceList": device_json(bobs), "desc": "d"}
    ).json()["groupId"]

    def create(**body: Any) -> dict[str, Any]:
        base = {"groupName": "n", "deviceList": device_json(mine[2:3]), "desc": "d"}
        base.update(body)
        return {"json": {k: v for k, v in base.items() if v is not ...}}

    one = device_json(mine[2:3])[0]
    wrong_key = {"devTid": mine[2].dev_tid, "ctrlKey": "wrong"}
    cases = [
        # body format
        Case(
            "malformed JSON",
            "POST",
            "/group",
            400,
            6400024,
            {"content": b'{"groupName": "n",', "headers": {"content-type": "application/json"}},
        ),
        Case(
            "not UTF-8",
            "POST",
            "/group",
            400,
            6400024,
            {
                "content": b'{"groupName": "\xff\xfe"}',
                "headers": {"content-type": "application/json"},
            },
        ),
        Case(
            "not JSON",
            "POST",
            "/group",
            400,
            6400024,
            {
                "content": b"groupName=n",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
        ),
        Case("a list where an object belongs", "POST", "/group", 400, 6400017, {"json": [one]}),
        Case("no body", "POST", "/group", 400, 6400017),
        Case(
            "too large",
            "POST",
            "/group",
            413,
            6400031,
            {
                "content": b"[" + b" " * (1024 * 1024) + b"]",
                "headers": {"content-type": "application/json"},
            },
        ),
        # fields of POST /group
        Case("groupName missing", "POST", "/group", 400, 6400017, create(groupName=...)),
        Case("groupName empty", "POST", "/group", 400, 6400017, create(groupName="")),
        Case("groupName blank", "POST", "/group", 400, 6400017, create(groupName="   ")),
        Case("groupName 129 chars", "POST", "/group", 400, 6400017, create(groupName="灯" * 129)),
        Case("groupName with NUL", "POST", "/group", 400, 6400017, create(groupName="a\x00b")),
        Case(
            "devTid with a newline",
            "POST",
            "/group",
            400,
            6400017,
            create(deviceList=[{"devTid": "a\nb", "ctrlKey": "k"}]),
        ),
        Case("groupName a number", "POST", "/group", 400, 6400017, create(groupName=5)),
        Case("desc missing", "POST", "/group", 400, 6400017, create(desc=...)),
        Case("desc 129 chars", "POST", "/group", 400, 6400017, create(desc="d" * 129)),
        Case("deviceList missing", "POST", "/group", 400, 6400017, create(deviceList=...)),
        Case("deviceList empty", "POST", "/group", 400, 6400017, create(deviceList=[])),
        Case("deviceList an object", "POST", "/group", 400, 6400017, create(deviceList=one)),
        Case("deviceList of 513", "POST", "/group", 400, 6400017, create(deviceList=[one] * 513)),
        Case(
            "devTid missing", "POST", "/group", 400, 5400017, create(deviceList=[{"ctrlKey": "k"}])
        ),
        Case(
            "devTid empty",
            "POST",
            "/group",
            400,
            5400017,
            create(deviceList=[{"devTid": "", "ctrlKey": "k"}]),
        ),
        Case(
            "devTid a number",
            "POST",
            "/group",
            400,
            6400017,
            create(deviceList=[{"devTid": 7, "ctrlKey": "k"}]),
        ),
        Case(
            "ctrlKey missing",
            "POST",
            "/group",
            400,
            6400017,
            create(deviceList=[{"devTid": mine[2].dev_tid}]),
        ),
        Case(
            "the same device twice", "POST", "/group", 400, 6400017, create(deviceList=[one, one])
        ),
        # rules of POST /group
        Case(
            "unknown device",
            "POST",
            "/group",
            404,
            6400004,
            create(deviceList=[one, {"devTid": "nope", "ctrlKey": "k"}]),
        ),
        Case(
            "another user's device",
            "POST",
            "/group",
            403,
            5400014,
            create(deviceList=[one, *device_json(bobs)]),
        ),
        Case(
            "an unbound device",
            "POST",
            "/group",
            403,
            5400014,
            create(deviceList=device_json(unbound)),
        ),
        Case("wrong ctrlKey", "POST", "/group", 403, 6400016, create(deviceList=[wrong_key])),
        Case(
            "two products",
            "POST",
            "/group",
            409,
            6400029,
            create(deviceList=[one, *device_json(other_product)]),
        ),
        # tokens
        Case("no token", "GET", "/group", 401, 3400014, token=""),
        Case(
            "Basic auth",
            "GET",
            "/group",
            401,
            3400014,
            {"headers": {"Authorization": "Basic YWxpY2U6c2VjcmV0"}},
            token="",
        ),
        Case("garbage token", "GET", "/group", 403, 3400015, token="not.a.jwt"),
        Case(
            "expired token",
            "GET",
            "/group",
            403,
            3400015,
            token=token_with(fleet, alice.uid, exp=int(time.time()) - 10),
        ),
        Case("alg none", "GET", "/group", 403, 3400015, token=unsigned_token(alice.uid)),
        Case("HS256", "GET", "/group", 403, 3400015, token=hs256_token(alice.uid)),
        Case("unknown user", "GET", "/group", 403, 3400015, token=token_with(fleet, "19999999999")),
        Case("token on a write", "POST", "/group", 403, 3400015, create(), token="x.y.z"),
        # list, rename, delete
        Case("groupId empty", "GET", "/group?groupId=", 400, 6400017),
        Case("groupId 129 chars", "GET", f"/group?groupId={'x' * 129}", 400, 6400017),
        Case("list unknown group", "GET", "/group?groupId=nope", 404, 6400026),
        Case("list another user's group", "GET", f"/group?groupId={bobs_gid}", 404, 6400026),
        Case("rename without name", "PUT", f"/group/{gid}", 400, 6400017, {"json": {}}),
        Case(
            "rename to 129 chars",
            "PUT",
            f"/group/{gid}",
            400,
            6400017,
            {"json": {"newGroupName": "n" * 129}},
        ),
        Case(
            "rename to a list",
            "PUT",
            f"/group/{gid}",
            400,
            6400017,
            {"json": {"newGroupName": ["n"]}},
        ),
        Case(
            "rename unknown group",
            "PUT",
            "/group/nope",
            404,
            6400026,
            {"json": {"newGroupName": "n"}},
        ),
        Case(
            "rename another user's group",
            "PUT",
            f"/group/{bobs_gid}",
            404,
            6400026,
            {"json": {"newGroupName": "n"}},
        ),
        Case(
            "rename a 129-char id",
            "PUT",
            f"/group/{'x' * 129}",
            400,
            6400017,
            {"json": {"newGroupName": "n"}},
        ),
        Case("delete without groupId", "DELETE", "/group", 400, 6400017),
        Case("delete unknown group", "DELETE", "/group?groupId=nope", 404, 6400026),
        Case("delete another user's group", "DELETE", f"/group?groupId={bobs_gid}", 404, 6400026),
        # add and remove devices
        Case("add nothing", "POST", f"/group/{gid}", 400, 6400017, {"json": []}),
        Case("add an object", "POST", f"/group/{gid}", 400, 6400017, {"json": one}),
        Case(
            "add the same device twice", "POST", f"/group/{gid}", 400, 6400017, {"json": [one, one]}
        ),
        Case(
            "add another product",
            "POST",
            f"/group/{gid}",
            409,
            6400029,
            {"json": device_json(other_product)},
        ),
        Case(
            "add a good and an unknown device",
            "POST",
            f"/group/{gid}",
            404,
            6400004,
            {"json": [one, {"devTid": "nope", "ctrlKey": "k"}]},
        ),
        Case(
            "add with a wrong ctrlKey",
            "POST",
            f"/group/{gid}",
            403,
            6400016,
            {"json": [one, {"devTid": mine[3].dev_tid, "ctrlKey": "wrong"}]},
        ),
        Case(
            "add another user's device",
            "POST",
            f"/group/{gid}",
            403,
            5400014,
            {"json": [one, *device_json(bobs)]},
        ),
        Case(
            "add to another user's group",
            "POST",
            f"/group/{bobs_gid}",
            404,
            6400026,
            {"json": [one]},
        ),
        Case(
            "remove every device",
            "DELETE",
            f"/group/{gid}",
            409,
            6400030,
            {"json": device_json(mine[:2])},
        ),
        Case(
            "remove with a wrong ctrlKey",
            "DELETE",
            f"/group/{gid}",
            403,
            6400016,
            {"json": [{"devTid": mine[0].dev_tid, "ctrlKey": "wrong"}]},
        ),
        Case("remove with no body", "DELETE", f"/group/{gid}", 400, 6400017),
        Case(
            "remove from another user's group",
            "DELETE",
            f"/group/{bobs_gid}",
            404,
            6400026,
            {"json": device_json(bobs)},
        ),
        # routing
        Case("unknown path", "GET", "/groups/nope", 404, 5400000),
        Case("wrong method", "PATCH", "/group", 405, 5400000),
    ]
    anonymous = fleet.client()
    for case in cases:
        with subtests.test(case.name):
            before = fleet.dump()
            if case.token is None:
                client = alice.client
            elif case.token == "":
                client = anonymous
            else:
                client = fleet.client(case.token)
            answer = client.request(case.method, case.path, **case.kwargs)
            assert answer.status_code == case.status, answer.text
            assert answer.headers["content-type"] == "application/json"
            body = answer.json()
            assert set(body) == {"code", "desc", "timestamp"}
            assert body["code"] == case.code, body
            assert body["desc"]
            assert fleet.dump() == before
    # The group the cases aimed at is still as it was made.
    assert alice.client.get("/group", params={"groupId": gid}).json() == [group]


@pytest.mark.parametrize("length", [1, 128])
def test_names_at_the_documented_bounds_are_accepted(fleet: Fleet, length: int) -> None:
    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 1)
    made = alice.client.post(
        "/group",
        json={"groupName": "名" * length, "deviceList": device_json(refs), "desc": "d" * length},
    )
    assert made.status_code == 201
    gid = made.json()["groupId"]
    renamed = alice.client.put(f"/group/{gid}", json={"newGroupName": "新" * length})
    assert renamed.status_code == 204


def test_unknown_fields_are_ignored_and_never_stored(fleet: Fleet) -> None:
    alice = fleet.account("alice")
    refs = alice.devices(fleet.admin, 1)
    made = alice.client.post(
        "/group",
        json={
            "groupName": "n",
            "deviceList": [{**device_json(refs)[0], "color": "red"}],
            "desc": "d",
            "secret": "leak-me",
        },
    )
    assert made.status_code == 201
    assert "secret" not in made.json()
    assert not any("leak-me" in line or "red" in line for line in fleet.dump())
