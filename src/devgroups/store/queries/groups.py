"""Queries on groups and their members."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from sqlalchemy import Connection, delete, func, insert, select, update

from devgroups.domain.model import DeviceRef, Group
from devgroups.store.queries.marks import POSITIONAL_MARKS
from devgroups.store.tables import devices, group_members, groups, users


class GroupQueries:
    conn: Connection

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
        mark = POSITIONAL_MARKS.get(self.conn.dialect.paramstyle)
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

    def leave_groups(self, uid: str, dev_tid: str) -> None:
        """Take the device out of every group of the user; drop groups left empty."""
        owned = select(groups.c.group_id).where(groups.c.owner_uid == uid)
        self.conn.execute(
            delete(group_members).where(
                group_members.c.devtid == dev_tid, group_members.c.group_id.in_(owned)
            )
        )
        emptied = select(groups.c.group_id).where(
            groups.c.owner_uid == uid,
            ~select(group_members.c.group_id)
            .where(group_members.c.group_id == groups.c.group_id)
            .exists(),
        )
        self.conn.execute(delete(groups).where(groups.c.group_id.in_(emptied)))
