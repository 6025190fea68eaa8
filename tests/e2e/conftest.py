from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devgroups.config import Settings
from devgroups.domain.model import DeviceRef
from devgroups.runtime import Runtime, open_runtime
from tests.e2e.clients import Simulator
from tests.e2e.server import ServerProcess, start_server
from tests.factories import make_devices, make_user

pytestmark = pytest.mark.e2e


@dataclass
class Account:
    name: str
    uid: str
    client: httpx.Client

    def devices(self, admin: Runtime, count: int, mid: str = "01d838") -> list[DeviceRef]:
        return make_devices(admin.store, self.name, count, mid)


class Fleet:
    """The server under test, an admin view of its database, and logged-in accounts."""

    def __init__(self, server: ServerProcess, admin: Runtime) -> None:
        self.server = server
        self.admin = admin
        self.clients: list[httpx.Client] = []

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.server.url, headers=headers, timeout=30)
        self.clients.append(client)
        return client

    def account(self, name: str, password: str = "secret-pw") -> Account:
        uid = make_user(self.admin.store, name, password)
        answer = self.client().post("/login", json={"username": name, "password": password})
        assert answer.status_code == 200, answer.text
        return Account(name, uid, self.client(answer.json()["access_token"]))

    def simulate(self, count: int, *extra: str, owner: str | None = "alice") -> Simulator:
        """A simulated fleet of product m1 (key pk), bound to owner, on this server."""
        args = ["--mid", "m1", "--prodkey", "pk", *extra]
        if owner is not None:
            args += ["--owner", owner]
        return Simulator(self.server.data_dir, self.server.device_port, count, *args)

    def dump(self) -> list[str]:
        """Every stored row but sessions, to prove a refused request changed nothing."""
        db = sqlite3.connect(self.server.data_dir / "devgroups.sqlite3")
        try:
            return [line for line in db.iterdump() if "refresh_tokens" not in line]
        finally:
            db.close()

    def close(self) -> None:
        for client in self.clients:
            client.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = start_server(tmp_path / "data")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def fleet(server: ServerProcess) -> Iterator[Fleet]:
    admin = open_runtime(Settings(data_dir=server.data_dir))
    built = Fleet(server, admin)
    try:
        yield built
    finally:
        built.close()
        admin.close()
