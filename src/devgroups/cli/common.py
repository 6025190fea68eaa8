"""What every command shares: the group, the database options, opening the runtime."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from devgroups.config import Settings
from devgroups.domain.errors import HekrError
from devgroups.runtime import Runtime, open_runtime

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("devgroups-data"),
    show_default=True,
    envvar="DEVGROUPS_DATA_DIR",
    help="Folder of the SQLite database and the token signing key.",
)
db_option = click.option(
    "--db",
    "db_url",
    default=None,
    envvar="DEVGROUPS_DB",
    help="SQLAlchemy database URL instead of the SQLite file in --data-dir.",
)


@click.group()
def main() -> None:
    """devgroups: Hekr-compatible device groups and group control."""


@contextmanager
def opened(data_dir: Path, db_url: str | None) -> Iterator[Runtime]:
    """Open the same database as serve for one command; errors become exit status 1."""
    runtime = open_runtime(Settings(data_dir=data_dir, db_url=db_url))
    try:
        yield runtime
    except HekrError as err:
        raise click.ClickException(f"{err.desc} ({err.code})") from err
    finally:
        runtime.close()
