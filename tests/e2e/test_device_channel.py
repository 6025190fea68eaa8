"""The device channel: Hekr's device protocol on TCP, one JSON object a line."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from devgroups.services import devices
from tests.e2e.clients import RawDevice
from tests.e2e.conftest import Fleet, admin_of, run_devgroups
from tests.e2e.server import start_server


def register(fleet: Fleet, dev_tid: str, owner: str | None = None) -> None:
    devices.add_product(fleet.admin.store, "m1", "pk", "Socket")
    devices.register_device(fleet.admin.store, dev_tid, "ck", "m1", "bk", owner)


def test_login_report_heartbeat_and_unknown_actions(fleet: Fleet) -> None:
    register(fleet, "ESP_1")

    async def talk() -> None:
        device = await RawDevice.connect(fleet.server.device_port)
        early = await device.send("heartbeat", devTid="ESP_1")
        answer = await device.recv()
        assert (answer["msgId"], answer["action"], answer["code"]) == (
            early,
            "heartbeatResp",
            1400011,
        )
        login = await device.login("ESP_1", "pk")
        assert (login["action"], login["code"], login["msgId"]) == ("devLoginResp", 200, 2)
        for action, params in (
            ("reportDevInfo", {"devTid": "ESP_1", "mid": "m1", "binVer": "1.0"}),
            ("heartbeat", {"devTid": "ESP_1"}),
            ("devSend", {"devTid": "ESP_1", "data": {"cmdId": 1, "power": 1}}),
        ):
            msg_id = await device.send(action, **params)
            answer = await device.recv()
            assert answer == {
                "msgId": msg_id,
                "action": f"{action}Resp",
                "code": 200,
                "desc": "success",
            }
        msg_id = await device.send("teleport")
        answer = await device.recv()
        assert (answer["msgId"], answer["action"], answer["code"]) == (
            msg_id,
            "teleportResp",
            1400016,
        )
        await device.close()

    asyncio.run(talk())


def test_wrong_key_or_unknown_device_is_refused_and_closed(fleet: Fleet) -> None:
    register(fleet, "ESP_1")

    async def refused(dev_tid: str, key: str) -> None:
        device = await RawDevice.connect(fleet.server.device_port)
        answer = await device.login(dev_tid, key)
        assert (answer["action"], answer["code"]) == ("devLoginResp", 1400010)
        assert await device.closed_by_server(5)
        await device.close()

    asyncio.run(refused("ESP_1", "wrong"))
    asyncio.run(refused("nope", "pk"))


def test_bad_lines_get_errors_and_the_connection_stays(fleet: Fleet) -> None:
    register(fleet, "ESP_1")

    async def talk() -> None:
        device = await RawDevice.connect(fleet.server.device_port)
        await device.login("ESP_1", "pk")
        device.write_line("{not json")
        assert (await device.recv())["code"] == 1400001
        device.write_line("[1, 2]")
        assert (await device.recv())["code"] == 1400001
        device.write_line(b'{"pad": "' + b"x" * 40_000 + b'"}')
        assert (await device.recv())["code"] == 1400003
        msg_id = await device.send("heartbeat", devTid="ESP_1")
        assert await device.recv() == {
            "msgId": msg_id,
            "action": "heartbeatResp",
            "code": 200,
            "desc": "success",
        }
        await device.close()

    asyncio.run(talk())


def test_a_flooding_device_is_cut_off(fleet: Fleet) -> None:
    register(fleet, "ESP_1")

    async def flood() -> None:
        device = await RawDevice.connect(fleet.server.device_port)
        await device.login("ESP_1", "pk")
        for _ in range(2000):
            device.write_line('{"msgId": 1, "action": "heartbeat", "params": {}}')
        with contextlib.suppress(ConnectionError):  # the server may cut it off mid-flood
            await device.writer.drain()
        codes = []
        try:
            async with asyncio.timeout(10):
                while True:
                    codes.append((await device.recv())["code"])
        except ConnectionError:
            pass
        await device.close()
        # Cut off: far fewer than 2000 answers, the last one (unless the reset of the
        # connection swallowed it) saying why.
        assert len(codes) < 2000
        assert 1400013 in codes or codes.count(200) < 1000

    asyncio.run(flood())


def test_a_second_login_replaces_the_first(fleet: Fleet) -> None:
    register(fleet, "ESP_1")

    async def twice() -> None:
        first = await RawDevice.connect(fleet.server.device_port)
        assert (await first.login("ESP_1", "pk"))["code"] == 200
        second = await RawDevice.connect(fleet.server.device_port)
        assert (await second.login("ESP_1", "pk"))["code"] == 200
        assert await first.closed_by_server(5)
        await first.close()
        msg_id = await second.send("heartbeat", devTid="ESP_1")
        assert (await second.recv())["msgId"] == msg_id
        await second.close()

    asyncio.run(twice())


def test_a_silent_device_is_dropped_after_the_idle_timeout(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", "--device-idle-timeout", "1")
    try:
        with admin_of(tmp_path / "data") as admin:
            devices.add_product(admin.store, "m1", "pk", "Socket")
            devices.register_device(admin.store, "ESP_1", "ck", "m1", "bk")

        async def stay_silent() -> None:
            device = await RawDevice.connect(server.device_port)
            assert (await device.login("ESP_1", "pk"))["code"] == 200
            assert await device.closed_by_server(5)
            await device.close()

        asyncio.run(stay_silent())
    finally:
        assert server.stop() == 0


def test_products_and_devices_added_while_serving_log_in_at_once(fleet: Fleet) -> None:
    def devgroups(*args: str) -> None:
        done = run_devgroups(fleet.server.data_dir, *args)
        assert done.returncode == 0, done.stderr

    devgroups("product", "add", "--mid", "fresh", "--prodkey", "fresh-key", "--name", "Lamp")
    devgroups("device", "add", "--devtid", "ESP_NEW", "--ctrlkey", "ck", "--mid", "fresh")

    async def login() -> None:
        device = await RawDevice.connect(fleet.server.device_port)
        assert (await device.login("ESP_NEW", "fresh-key"))["code"] == 200
        await device.close()

    asyncio.run(login())
