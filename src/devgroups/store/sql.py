"""The Store on SQLAlchemy Core: SQLite by default, any database SQLAlchemy speaks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from devgroups.domain.errors import InternalError
from devgroups.store.engine import WRITE
from devgroups.store.queries.accounts import AccountQueries
from devgroups.store.queries.commands import CommandQueries
from devgroups.store.queries.devices import DeviceQueries
from devgroups.store.queries.groups import GroupQueries


class StoreError(InternalError):
    """The database failed; the caller sees an internal error, the log sees the cause."""


class SqlStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def read(self) -> Iterator[SqlTx]:
        with self._transaction(write=False) as tx:
            yield tx

    @contextmanager
    def write(self) -> Iterator[SqlTx]:
        with self._transaction(write=True) as tx:
            yield tx

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[SqlTx]:
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(**{WRITE: True})
                elif conn.dialect.name != "sqlite":
                    # One snapshot for every statement of a read, as SQLite's BEGIN gives.
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield SqlTx(conn)
        except SQLAlchemyError as err:
            raise StoreError() from err


class SqlTx(AccountQueries, DeviceQueries, GroupQueries, CommandQueries):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
