"""``devgroups serve``: the HTTP API, the app channel and the device channel."""

from __future__ import annotations

import gc
import logging
import signal
import socket
import sys
from pathlib import Path

import click
import uvicorn

from devgroups.cli.common import data_dir_option, db_option
from devgroups.config import Settings
from devgroups.http.app import create_app
from devgroups.runtime import Runtime, open_runtime


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP and app channel.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--device-host", default="127.0.0.1", show_default=True, help="Device channel.")
@click.option("--device-port", default=8083, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--device-idle-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.5, 3600),
    help="Seconds without data before a device counts as gone.",
)
@click.option(
    "--control-rate",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.01, 10_000),
    help="Group commands a second, per user.",
)
@click.option(
    "--control-burst",
    default=10.0,
    show_default=True,
    type=click.FloatRange(1, 100_000),
    help="Group commands a user may send at once.",
)
@data_dir_option
@db_option
@click.option("--log-level", default="info", show_default=True)
@click.option("--access-log/--no-access-log", default=False, show_default=True)
def serve(
    host: str,
    port: int,
    device_host: str,
    device_port: int,
    device_idle_timeout: float,
    control_rate: float,
    control_burst: float,
    data_dir: Path,
    db_url: str | None,
    log_level: str,
    access_log: bool,
) -> None:
    """Serve the HTTP API, the app channel (/ws) and the device channel until SIGTERM."""
    settings = Settings(
        data_dir=data_dir,
        db_url=db_url,
        host=host,
        port=port,
        device_host=device_host,
        device_port=device_port,
        device_idle_timeout=device_idle_timeout,
        control_rate=control_rate,
        control_burst=control_burst,
        log_level=log_level,
    )
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
    # A group command makes tens of thousands of short-lived objects; with the default
    # thresholds the collector then often scans every long-lived one (each device
    # connection), and those pauses were the p99 of group control (88 ms against 25 ms).
    # Young collections still run, every 100,000 allocations instead of every 700.
    gc.set_threshold(100_000, 50, 100)
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
        ws_max_size=64 * 1024,
    )
    # run() picks uvicorn's event loop (uvloop where installed), as `uvicorn app` would.
    _Server(config, runtime, sock).run(sockets=[sock])


class _Server(uvicorn.Server):
    """A uvicorn server that announces its real addresses once it accepts connections."""

    def __init__(self, config: uvicorn.Config, runtime: Runtime, sock: socket.socket) -> None:
        super().__init__(config)
        self.runtime = runtime
        self.sock = sock

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        gc.freeze()  # what start-up made lives as long as the process: never scan it again
        if not self.should_exit:
            host, port = self.sock.getsockname()[:2]
            settings = self.runtime.settings
            click.echo(
                f"devgroups listening on http://{host}:{port}"
                f" devices on tcp://{settings.device_host}:{self.runtime.gateway.port}"
            )
            sys.stdout.flush()
