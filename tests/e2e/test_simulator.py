"""`devgroups simulate`: a realistic fleet for group control to be tested against."""

from __future__ import annotations

import asyncio
import time

from tests.e2e.clients import App
from tests.e2e.conftest import Fleet


def test_behaviours_of_the_fleet(fleet: Fleet) -> None:
    account = fleet.account("alice")
    token = account.client.headers["Authorization"].split()[1]
    sim = fleet.simulate(
        8, "--slow", "0.25", "--slow-ms", "400", "--failing", "0.25", "--silent", "0.25"
    )
    try:
        roles = [d["behaviour"] for d in sim.devices]
        assert roles == ["silent"] * 2 + ["failing"] * 2 + ["slow"] * 2 + ["normal"] * 2

        async def command_each() -> dict[str, tuple[int, float]]:
            app = await App.connect(fleet.server.url)
            await app.login(token)
            outcome = {}
            for device in sim.devices:
                started = time.monotonic()
                sent = await app.send(
                    "appSend",
                    devTid=device["devTid"],
                    ctrlKey=device["ctrlKey"],
                    data={"cmdId": 2, "power": 1},
                    timeout=1500,
                )
                answer = await app.answer_to(sent)
                outcome[device["devTid"]] = (answer["code"], time.monotonic() - started)
            await app.close()
            return outcome

        outcome = asyncio.run(command_each())
        for device in sim.devices:
            code, took = outcome[device["devTid"]]
            expected = {"silent": 1400020, "failing": 500, "slow": 200, "normal": 200}
            assert code == expected[device["behaviour"]], device
            if device["behaviour"] == "slow":
                assert took >= 0.4
        listed = account.client.get("/devices", params={"size": 50}).json()
        assert all(d["online"] for d in listed) and len(listed) == 8
    finally:
        assert sim.stop() == 0


def test_provisioning_is_kept_across_runs(fleet: Fleet) -> None:
    fleet.account("alice")
    first = fleet.simulate(3)
    assert first.stop() == 0
    second = fleet.simulate(3)
    assert second.stop() == 0
    assert [(d["devTid"], d["ctrlKey"], d["bindKey"]) for d in first.devices] == [
        (d["devTid"], d["ctrlKey"], d["bindKey"]) for d in second.devices
    ]


def test_two_thousand_devices_stay_online(fleet: Fleet) -> None:
    account = fleet.account("alice")
    sim = fleet.simulate(2000)
    try:
        assert len(sim.devices) == 2000
        online = 0
        for page in range(40):
            listed = account.client.get("/devices", params={"size": 50, "page": page}).json()
            online += sum(d["online"] for d in listed)
        assert online == 2000
    finally:
        assert sim.stop() == 0
