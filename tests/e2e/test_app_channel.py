"""The app channel: appLogin, appSend to devices, reports and events pushed."""

from __future__ import annotations

import asyncio

from tests.e2e.clients import App, RawDevice
from tests.e2e.conftest import Fleet


def token(fleet: Fleet, name: str) -> str:
    account = fleet.account(name)
    return account.client.headers["Authorization"].split()[1]


def test_login_is_required_and_checked(fleet: Fleet) -> None:
    async def talk() -> None:
        app = await App.connect(fleet.server.url)
        early = await app.send("appSend", devTid="x", ctrlKey="y", data={})
        assert (await app.answer_to(early))["code"] == 1400019
        bad = await app.send("appLogin", appTid="a", token="not-a-token")
        assert (await app.answer_to(bad))["code"] == 1400002
        beat = await app.send("heartbeat")
        assert (await app.answer_to(beat))["action"] == "heartbeatResp"
        await app.ws.send("{oops")
        assert (await app.recv())["code"] == 1400001
        other = await app.send("fly")
        answer = await app.answer_to(other)
        assert (answer["action"], answer["code"]) == ("flyResp", 1400016)
        await app.close()

    asyncio.run(talk())


def test_app_send_reaches_the_device_and_its_answer_comes_back(fleet: Fleet) -> None:
    alice = token(fleet, "alice")
    token(fleet, "bob")
    sim = fleet.simulate(3, "--silent", "0.34")
    bobs = fleet.simulate(1, "--prefix", "bob-", owner="bob")
    try:
        normal = sim.by_behaviour("normal")[0]
        silent = sim.by_behaviour("silent")[0]

        async def talk() -> None:
            app = await App.connect(fleet.server.url)
            assert (await app.login(alice))["code"] == 200
            sent = await app.send(
                "appSend",
                devTid=normal["devTid"],
                ctrlKey=normal["ctrlKey"],
                appTid="phone",
                data={"cmdId": 2, "power": 1, "brightness": 70},
            )
            answer = await app.answer_to(sent)
            assert (answer["action"], answer["code"]) == ("appSendResp", 200)
            assert answer["params"] == {
                "devTid": normal["devTid"],
                "appTid": "phone",
                "data": {"cmdId": 1, "power": 1, "brightness": 70},
            }
            report = await app.recv_until(lambda m: m.get("action") == "devSend")
            assert report["params"]["devTid"] == normal["devTid"]
            assert report["params"]["data"]["brightness"] == 70

            late = await app.send(
                "appSend",
                devTid=silent["devTid"],
                ctrlKey=silent["ctrlKey"],
                data={"cmdId": 2, "power": 1},
                timeout=300,
            )
            assert (await app.answer_to(late))["code"] == 1400020
            bob_device = bobs.devices[0]
            theirs = await app.send(
                "appSend", devTid=bob_device["devTid"], ctrlKey=bob_device["ctrlKey"], data={}
            )
            assert (await app.answer_to(theirs))["code"] == 1400012
            wrong_key = await app.send("appSend", devTid=normal["devTid"], ctrlKey="x", data={})
            assert (await app.answer_to(wrong_key))["code"] == 1400012
            await app.close()

        asyncio.run(talk())
    finally:
        assert sim.stop() == 0
        assert bobs.stop() == 0


def test_offline_devices_and_login_events(fleet: Fleet) -> None:
    from devgroups.services import devices

    alice = token(fleet, "alice")
    devices.add_product(fleet.admin.store, "m1", "pk", "Socket")
    devices.register_device(fleet.admin.store, "ESP_1", "ck", "m1", "bk", "alice")

    async def talk() -> None:
        app = await App.connect(fleet.server.url)
        assert (await app.login(alice))["code"] == 200
        offline = await app.send("appSend", devTid="ESP_1", ctrlKey="ck", data={"power": 1})
        assert (await app.answer_to(offline))["code"] == 1400018
        device = await RawDevice.connect(fleet.server.device_port)
        await device.login("ESP_1", "pk")
        event = await app.recv_until(lambda m: m.get("action") == "devLogin")
        assert event["params"]["devTid"] == "ESP_1"
        await device.send("devSend", devTid="ESP_1", data={"cmdId": 1, "power": 0})
        report = await app.recv_until(lambda m: m.get("action") == "devSend")
        assert report["params"]["data"] == {"cmdId": 1, "power": 0}
        await device.close()
        event = await app.recv_until(lambda m: m.get("action") == "devLogout")
        assert event["params"]["devTid"] == "ESP_1"
        await app.close()

    asyncio.run(talk())


def test_answers_to_many_commands_are_not_taken_for_flooding(fleet: Fleet) -> None:
    alice = token(fleet, "alice")
    sim = fleet.simulate(1)
    try:
        device = sim.devices[0]

        async def many() -> list[int]:
            app = await App.connect(fleet.server.url)
            await app.login(alice)
            codes = []
            for i in range(400):  # 800 lines back from the device, far past its burst
                sent = await app.send(
                    "appSend",
                    devTid=device["devTid"],
                    ctrlKey=device["ctrlKey"],
                    data={"cmdId": 2, "power": i % 2},
                )
                codes.append((await app.answer_to(sent))["code"])
            await app.close()
            return codes

        assert asyncio.run(many()) == [200] * 400
    finally:
        assert sim.stop() == 0
