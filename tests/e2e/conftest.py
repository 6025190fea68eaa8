from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
        client = self.client()
        log_in(client, name, password)
        return Account(name, uid, client)

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


@contextmanager
def admin_of(data_dir: Path, db_url: str | None = None) -> Iterator[Runtime]:
    """The database of a server, opened beside it as the command line would."""
    runtime = open_runtime(Settings(data_dir=data_dir, db_url=db_url))
    try:
        yield runtime
    finally:
        runtime.close()


def log_in(client: httpx.Client, name: str, password: str) -> str:
    """Log client in; return its access token, which it sends from now on."""
    answer = client.post("/login", json={"username": name, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return token


def run_devgroups(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the devgroups command on a server's data folder."""
    return subprocess.run(
        [sys.executable, "-m", "devgroups", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = start_server(tmp_path / "data")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def fleet(server: ServerProcess) -> Iterator[Fleet]:
    with admin_of(server.data_dir) as admin:
        built = Fleet(server, admin)
        try:
            yield built
        finally:
            built.close()
