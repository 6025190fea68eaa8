"""The real client: hekrapi 0.3.1 from PyPI logs in, lists devices and switches one."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientSession
from hekrapi.account import Account
from hekrapi.const import ACTION_CLOUD_AUTH_REQUEST, ACTION_COMMAND_RESPONSE, DeviceResponseState
from hekrapi.device import CloudConnector
from hekrapi.protocols.power_socket import PROTOCOL

from tests.e2e.clients import Simulator
from tests.e2e.conftest import Fleet


class PlainConnector(CloudConnector):
    """hekrapi's cloud connector over ws:// to /ws (it only knows https:// to /)."""

    async def _open_connection(self) -> None:
        session = ClientSession()
        self._endpoint = await session.ws_connect(
            f"ws://{self._connect_host}:{self._connect_port}/ws"
        )
        self._session = session
        await self.authenticate(ACTION_CLOUD_AUTH_REQUEST)


def test_hekrapi_logs_in_lists_and_switches_a_device(fleet: Fleet) -> None:
    fleet.account("alice", "alice-pw")
    sim = Simulator(
        fleet.server.data_dir,
        fleet.server.device_port,
        2,
        "--mid",
        "socket",
        "--prodkey",
        "pk",
        "--owner",
        "alice",
    )

    class LocalAccount(Account):  # what hekr-platform.md says a test may do
        BASE_URL = fleet.server.url
        BASE_AUTH_URL = fleet.server.url

    async def switch() -> list[Any]:
        account = LocalAccount(username="alice", password="alice-pw")
        await account.authenticate()
        infos = await account.get_devices()
        assert set(infos) == {d["devTid"] for d in sim.devices}
        await account.update_devices(infos)
        target = sim.devices[0]["devTid"]
        device = account.devices[target]
        assert device.is_online
        dc = infos[target]["dcInfo"]
        device.connector = PlainConnector(
            token=account._Account__access_token,  # type: ignore[attr-defined]
            connect_host=dc["connectHost"],
            connect_port=dc["connectPort"],
        )
        device.protocol = PROTOCOL
        states = []
        try:
            for power in (1, 0):
                sent = await device.command("SetPower", {"power": power})
                while True:
                    msg_id, state, action, data = await asyncio.wait_for(device.get_response(), 10)
                    if action == ACTION_COMMAND_RESPONSE and msg_id == sent:
                        break
                assert state == DeviceResponseState.SUCCESS
                command, values, _ = data
                assert command.name == "Report"
                states.append(values["power"])
        finally:
            await device.close_connection()
        return states

    try:
        assert asyncio.run(switch()) == [True, False]
    finally:
        assert sim.stop() == 0
