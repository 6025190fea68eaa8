"""The Store on SQLAlchemy Core: SQLite by default, any database SQLAlchemy speaks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import groupby

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from devgroups.domain.errors import InternalError, UserExists
from devgroups.domain.model import Device, DeviceRef, Group
from devgroups.store.engine import WRITE
from devgroups.store.ports import RefreshRecord, UserRecord
from devgroups.store.tables import devices, group_members, groups, refresh_tokens, users

_POSITIONAL_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


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


class SqlTx:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # accounts

    def insert_user(self, uid: str, username: str, password_hash: str, now: int) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(users).values(
                        uid=uid, username=username, password_hash=password_hash, created_at=now
                    )
                )
        except IntegrityError as err:
            raise UserExists(f"User already exists: {username}") from err

    def user_by_name(self, username: str) -> UserRecord | None:
        row = self.conn.execute(
            select(users.c.uid, users.c.username, users.c.password_hash).where(
                users.c.username == username
            )
        ).first()
        return UserRecord(*row) if row else None

    def insert_refresh(self, token_hash: str, record: RefreshRecord) -> None:
        self.conn.execute(
            insert(refresh_tokens).values(
                token_hash=token_hash,
                uid=record.uid,
                client_type=record.client_type,
                isolation=record.isolation,
                expires_at=record.expires_at,
                revoked=int(record.revoked),
            )
        )

    def take_refresh(self, token_hash: str) -> RefreshRecord | None:
        """Revoke a refresh token and return it, or None if it was unknown or used already."""
        taken = self.conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash, refresh_tokens.c.revoked == 0)
            .values(revoked=1)
        )
        if taken.rowcount != 1:
            return None
        row = self.conn.execute(
            select(
                refresh_tokens.c.uid,
                refresh_tokens.c.client_type,
                refresh_tokens.c.isolation,
                refresh_tokens.c.expires_at,
            ).where(refresh_tokens.c.token_hash == token_hash)
        ).one()
        return RefreshRecord(*row, revoked=False)

    # devices

    def insert_device(self, device: Device, now: int) -> None:
        self.conn.execute(
            insert(devices).values(
                devtid=device.dev_tid,
                ctrlkey=device.ctrl_key,
                bindkey=device.bind_key,
                mid=device.mid,
                owner_uid=device.owner_uid,
                created_at=now,
            )
        )

    def devices(self, dev_tids: Iterable[str]) -> Mapping[str, Device]:
        wanted = list(dev_tids)
        columns = (
            devices.c.devtid,
            devices.c.ctrlkey,
            devices.c.bindkey,
            devices.c.mid,
            devices.c.owner_uid,
        )
        mark = _POSITIONAL_MARKS.get(self.conn.dialect.paramstyle)
        if mark is None or not wanted:
            rows = self.conn.execute(select(*columns).where(devices.c.devtid.in_(wanted))).all()
        else:
            # Up to 512 ids: an expanding IN costs SQLAlchemy more to render than the lookup.
            quote = self.conn.dialect.identifier_preparer.quote
            # Only constant identifiers and placeholders go into the text; ids are bound.
            names = ", ".join(quote(c.name) for c in columns)
            marks = ", ".join([mark] * len(wanted))
            sql = f"SELECT {names} FROM {quote(devices.name)} WHERE devtid IN ({marks})"  # noqa: S608
            rows = self.conn.exec_driver_sql(sql, tuple(wanted)).all()
        return {row[0]: Device(*row) for row in rows}

    # groups

    def groups_version(self, uid: str) -> int | None:
        return self.conn.execute(
            select(users.c.groups_version).where(users.c.uid == uid)
        ).scalar_one_or_none()

    def lock_groups(self, uid: str) -> bool:
        """Serialise this user's group changes (a row lock where the database has them).

        Return False if there is no such user.
        """
        bumped = self.conn.execute(
            update(users)
            .where(users.c.uid == uid)
            .values(groups_version=users.c.groups_version + 1)
        )
        return bumped.rowcount == 1

    def count_groups(self, uid: str) -> int:
        return self.conn.execute(
            select(func.count()).select_from(groups).where(groups.c.owner_uid == uid)
        ).scalar_one()

    def list_groups(self, uid: str) -> list[Group]:
        return self._groups(uid, group_id=None)

    def get_group(self, uid: str, group_id: str) -> Group | None:
        found = self._groups(uid, group_id=group_id)
        return found[0] if found else None

    def owns_group(self, uid: str, group_id: str) -> bool:
        found = self.conn.execute(
            select(groups.c.group_id).where(
                groups.c.group_id == group_id, groups.c.owner_uid == uid
            )
        ).first()
        return found is not None

    def _groups(self, uid: str, group_id: str | None) -> list[Group]:
        heads = select(
            groups.c.group_id,
            groups.c.name,
            groups.c.desc,
            groups.c.mid,
            groups.c.create_time,
            groups.c.update_time,
        ).where(groups.c.owner_uid == uid)
        members = (
            select(group_members.c.group_id, group_members.c.devtid, devices.c.ctrlkey)
            .join(devices, devices.c.devtid == group_members.c.devtid)
            .join(groups, groups.c.group_id == group_members.c.group_id)
            .where(groups.c.owner_uid == uid)
            .order_by(group_members.c.group_id, group_members.c.position)
        )
        if group_id is not None:
            heads = heads.where(groups.c.group_id == group_id)
            members = members.where(group_members.c.group_id == group_id)
        head_rows = self.conn.execute(heads.order_by(groups.c.create_time, groups.c.group_id)).all()
        if not head_rows:
            return []
        by_group = {
            gid: tuple(DeviceRef(devtid, ctrlkey) for _, devtid, ctrlkey in rows)
            for gid, rows in groupby(self.conn.execute(members), key=lambda row: row[0])
        }
        return [
            Group(
                group_id=gid,
                owner_uid=uid,
                name=name,
                desc=desc,
                mid=mid,
                members=by_group.get(gid, ()),
                create_time=create_time,
                update_time=update_time,
            )
            for gid, name, desc, mid, create_time, update_time in head_rows
        ]

    def insert_group(self, group: Group) -> None:
        self.conn.execute(
            insert(groups).values(
                group_id=group.group_id,
                owner_uid=group.owner_uid,
                name=group.name,
                desc=group.desc,
                mid=group.mid,
                create_time=group.create_time,
                update_time=group.update_time,
            )
        )
        self._insert_members(group.group_id, [m.dev_tid for m in group.members], 0)

    def rename_group(self, group_id: str, name: str, now: int) -> None:
        self.conn.execute(
            update(groups).where(groups.c.group_id == group_id).values(name=name, update_time=now)
        )

    def delete_group(self, group_id: str) -> None:
        self.conn.execute(delete(group_members).where(group_members.c.group_id == group_id))
        self.conn.execute(delete(groups).where(groups.c.group_id == group_id))

    def add_members(self, group_id: str, dev_tids: Sequence[str]) -> None:
        if not dev_tids:
            return
        first_position = self.conn.execute(
            select(func.coalesce(func.max(group_members.c.position) + 1, 0)).where(
                group_members.c.group_id == group_id
            )
        ).scalar_one()
        self._insert_members(group_id, dev_tids, first_position)

    def _insert_members(self, group_id: str, dev_tids: Sequence[str], first: int) -> None:
        rows = [(group_id, devtid, first + i) for i, devtid in enumerate(dev_tids)]
        mark = _POSITIONAL_MARKS.get(self.conn.dialect.paramstyle)
        if mark is None:
            self.conn.execute(
                insert(group_members),
                [{"group_id": g, "devtid": d, "position": p} for g, d, p in rows],
            )
            return
        # Straight to the driver's executemany: for 512 rows SQLAlchemy's per-row
        # parameter processing costs more than the database's own work.
        quote = self.conn.dialect.identifier_preparer.quote
        self.conn.exec_driver_sql(
            f"INSERT INTO {quote(group_members.name)} "  # noqa: S608
            f"({', '.join(quote(c) for c in ('group_id', 'devtid', 'position'))}) "
            f"VALUES ({mark}, {mark}, {mark})",
            rows,
        )

    def remove_members(self, group_id: str, dev_tids: Sequence[str]) -> None:
        self.conn.execute(
            delete(group_members).where(
                group_members.c.group_id == group_id, group_members.c.devtid.in_(list(dev_tids))
            )
        )

    def touch_group(self, group_id: str, now: int) -> None:
        self.conn.execute(
            update(groups).where(groups.c.group_id == group_id).values(update_time=now)
        )
