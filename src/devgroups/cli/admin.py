"""Administering the registry: accounts, products, devices."""

from __future__ import annotations

from pathlib import Path

import click

from devgroups.cli.common import data_dir_option, db_option, opened
from devgroups.services import accounts, devices


@click.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("name")
@click.option("--password", required=True, help="The account's password.")
@data_dir_option
@db_option
def user_add(name: str, password: str, data_dir: Path, db_url: str | None) -> None:
    """Create an account and print its uid."""
    with opened(data_dir, db_url) as runtime:
        click.echo(accounts.create_user(runtime.store, name, password))


@click.group()
def product() -> None:
    """Manage products."""


@product.command("add")
@click.option("--mid", required=True, help="The product id.")
@click.option("--prodkey", required=True, help="The key its devices log in with.")
@click.option("--name", required=True, help="The product's name.")
@data_dir_option
@db_option
def product_add(mid: str, prodkey: str, name: str, data_dir: Path, db_url: str | None) -> None:
    """Register a product, whose devices then log in with --prodkey."""
    with opened(data_dir, db_url) as runtime:
        added = devices.add_product(runtime.store, mid, prodkey, name)
        click.echo(f"{added.mid} {added.name}")


@click.group()
def device() -> None:
    """Manage the device registry."""


@device.command("add")
@click.option("--devtid", required=True, help="The device's unique id.")
@click.option("--ctrlkey", required=True, help="The device's control key.")
@click.option("--mid", required=True, help="The product id of the device.")
@click.option("--bindkey", default=None, help="The key that binds it (made up if omitted).")
@click.option("--owner", default=None, help="Bind it to this account.")
@data_dir_option
@db_option
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
    with opened(data_dir, db_url) as runtime:
        added = devices.register_device(runtime.store, devtid, ctrlkey, mid, bindkey, owner)
        click.echo(f"{added.dev_tid} ctrlKey={added.ctrl_key} bindKey={added.bind_key}")
