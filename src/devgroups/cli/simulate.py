"""``devgroups simulate``: a fleet of simulated devices on the device channel."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import click
import orjson

from devgroups.cli.common import data_dir_option, db_option, opened
from devgroups.services import devices
from devgroups.simulator.fleet import DeviceSpec, Fleet, FleetOptions, assign_behaviours

_fraction = click.FloatRange(0.0, 1.0)


@click.command()
@click.option("--count", required=True, type=click.IntRange(1, 100_000))
@click.option("--mid", required=True, help="Product id of the devices.")
@click.option("--prodkey", required=True, help="The product's key (the product is registered).")
@click.option("--owner", default=None, help="Bind the devices to this account.")
@click.option("--server", default="127.0.0.1:8083", show_default=True, help="Device channel.")
@click.option("--prefix", default=None, help="devTid prefix (default: sim-MID-).")
@click.option("--slow", default=0.0, type=_fraction, help="Fraction of slow devices.")
@click.option("--slow-ms", default=1000, show_default=True, type=click.IntRange(0, 600_000))
@click.option("--failing", default=0.0, type=_fraction, help="Fraction answering with an error.")
@click.option("--silent", default=0.0, type=_fraction, help="Fraction never answering.")
@click.option("--heartbeat", default=10.0, show_default=True, type=click.FloatRange(0.1, 300))
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line per device.")
@data_dir_option
@db_option
def simulate(
    count: int,
    mid: str,
    prodkey: str,
    owner: str | None,
    server: str,
    prefix: str | None,
    slow: float,
    slow_ms: int,
    failing: float,
    silent: float,
    heartbeat: float,
    as_json: bool,
    data_dir: Path,
    db_url: str | None,
) -> None:
    """Provision COUNT devices of product MID and connect them until SIGTERM or Ctrl-C."""
    if slow + failing + silent > 1:
        raise click.BadParameter("--slow, --failing and --silent add up to more than 1")
    host, _, port = server.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter("--server is HOST:PORT")
    dev_tids = [f"{prefix or f'sim-{mid}-'}{i:05d}" for i in range(count)]
    with opened(data_dir, db_url) as runtime:
        devices.add_product(runtime.store, mid, prodkey, f"Simulated {mid}")
        provisioned = devices.ensure_devices(runtime.store, mid, dev_tids, owner)
    specs = [DeviceSpec(d.dev_tid, d.ctrl_key, d.bind_key) for d in provisioned]
    assign_behaviours(specs, slow, failing, silent)
    options = FleetOptions(
        host=host,
        port=int(port),
        prodkey=prodkey,
        mid=mid,
        heartbeat_interval=heartbeat,
        slow_ms=slow_ms,
    )
    try:
        asyncio.run(_run(Fleet(specs, options), as_json))
    except (OSError, TimeoutError, ConnectionError) as err:
        raise click.ClickException(f"could not connect the fleet: {err!r}") from err


async def _run(fleet: Fleet, as_json: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await fleet.connect()
        for device in fleet.devices:
            spec = device.spec
            if as_json:
                line = orjson.dumps(
                    {
                        "devTid": spec.dev_tid,
                        "ctrlKey": spec.ctrl_key,
                        "bindKey": spec.bind_key,
                        "behaviour": spec.behaviour.value,
                    }
                ).decode()
            else:
                line = f"{spec.dev_tid} {spec.ctrl_key} {spec.bind_key} {spec.behaviour.value}"
            click.echo(line)
        click.echo(f"{len(fleet.devices)} devices online", err=True)
        sys.stdout.flush()
        await stop.wait()
    finally:
        await fleet.close()
