"""The ``devgroups`` command: serve the API, and administer users and devices."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import uvicorn

from devgroups.config import Settings
from devgroups.domain.errors import HekrError
from devgroups.http.app import create_app
from devgroups.runtime import Runtime, open_runtime
from devgroups.services import accounts, devices

_data_dir = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("devgroups-data"),
    show_default=True,
    envvar="DEVGROUPS_DATA_DIR",
    help="Folder of the SQLite database and the token signing key.",
)
_db = click.option(
    "--db",
    "db_url",
    default=None,
    envvar="DEVGROUPS_DB",
    help="SQLAlchemy database URL instead of the SQLite file in --data-dir.",
)


@click.group()
def main() -> None:
    """devgroups: Hekr-compatible device groups and group control."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@_data_dir
@_db
@click.option("--log-level", default="info", show_default=True)
@click.option("--access-log/--no-access-log", default=False, show_default=True)
def serve(
    host: str, port: int, data_dir: Path, db_url: str | None, log_level: str, access_log: bool
) -> None:
    """Serve the HTTP API until SIGTERM or Ctrl-C."""
    settings = Settings(data_dir=data_dir, db_url=db_url, host=host, port=port, log_level=log_level)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # uvicorn shuts down gracefully on SIGTERM/SIGINT and then re-raises the signal with
    # the handler it found: make that handler end the process with status 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    runtime = open_runtime(settings)
    try:
        _serve(settings, runtime, access_log)
    finally:
        runtime.close()


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _serve(settings: Settings, runtime: Runtime, access_log: bool) -> None:
    # Bind first, so that --port 0 works and the real address can be announced.
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: a small answer is not held back by Nagle's
    # algorithm waiting for the client's delayed ACK (40 ms a request otherwise).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((settings.host, settings.port))
    config = uvicorn.Config(
        create_app(settings, runtime),
        log_level=settings.log_level,
        access_log=access_log,
        timeout_graceful_shutdown=5,
    )
    host, port = sock.getsockname()[:2]
    # run() picks uvicorn's event loop (uvloop where installed), as `uvicorn app` would.
    _Server(config, f"devgroups listening on http://{host}:{port}").run(sockets=[sock])


class _Server(uvicorn.Server):
    """A uvicorn server that announces its real address once it accepts connections."""

    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self.announcement = announcement

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            click.echo(self.announcement)
            sys.stdout.flush()


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("name")
@click.option("--password", required=True, help="The account's password.")
@_data_dir
@_db
def user_add(name: str, password: str, data_dir: Path, db_url: str | None) -> None:
    """Create an account and print its uid."""
    with _runtime(data_dir, db_url) as runtime:
        click.echo(accounts.create_user(runtime.store, name, password))


@main.group()
def device() -> None:
    """Manage the device registry."""


@device.command("add")
@click.option("--devtid", required=True, help="The device's unique id.")
@click.option("--ctrlkey", required=True, help="The device's control key.")
@click.option("--mid", required=True, help="The product id of the device.")
@click.option("--bindkey", default=None, help="The key that binds it (made up if omitted).")
@click.option("--owner", default=None, help="Bind it to this account.")
@_data_dir
@_db
def device_add(
    devtid: str,
    ctrlkey: str,
    mid: str,
    bindkey: str | None,
    owner: str | None,
    data_dir: Path,
    db_url: str | None,
) -> None:
    """Register a device of product MID, bound to --owner when given."""
    with _runtime(data_dir, db_url) as runtime:
        added = devices.register_device(runtime.store, devtid, ctrlkey, mid, bindkey, owner)
        click.echo(f"{added.dev_tid} ctrlKey={added.ctrl_key} bindKey={added.bind_key}")


@contextmanager
def _runtime(data_dir: Path, db_url: str | None) -> Iterator[Runtime]:
    """Open the same database as serve for one command; errors become exit status 1."""
    runtime = open_runtime(Settings(data_dir=data_dir, db_url=db_url))
    try:
        yield runtime
    except HekrError as err:
        raise click.ClickException(f"{err.desc} ({err.code})") from err
    finally:
        runtime.close()
