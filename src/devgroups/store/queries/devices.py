"""Queries on products and devices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, bindparam, insert, select, update

from devgroups.domain.devices import DeviceInfo, Product
from devgroups.domain.model import Device
from devgroups.store.queries.marks import POSITIONAL_MARKS
from devgroups.store.tables import devices, group_members, groups, products

_DEVICE_COLUMNS = (
    devices.c.devtid,
    devices.c.ctrlkey,
    devices.c.bindkey,
    devices.c.mid,
    devices.c.owner_uid,
)


class DeviceQueries:
    conn: Connection

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
        columns = _DEVICE_COLUMNS
        mark = POSITIONAL_MARKS.get(self.conn.dialect.paramstyle)
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

    def insert_product(self, product: Product, now: int) -> None:
        self.conn.execute(
            insert(products).values(
                mid=product.mid, prodkey=product.prodkey, name=product.name, created_at=now
            )
        )

    def product(self, mid: str) -> Product | None:
        row = self.conn.execute(
            select(products.c.mid, products.c.prodkey, products.c.name).where(products.c.mid == mid)
        ).first()
        return Product(*row) if row else None

    def login_record(self, dev_tid: str) -> tuple[Device, str | None] | None:
        """The device and the key of its product (None without a product), for devLogin."""
        row = self.conn.execute(
            select(*_DEVICE_COLUMNS, products.c.prodkey)
            .select_from(devices.outerjoin(products, products.c.mid == devices.c.mid))
            .where(devices.c.devtid == dev_tid)
        ).first()
        return (Device(*row[:5]), row[5]) if row else None

    def bind_device(
        self, dev_tid: str, uid: str, name: str | None, desc: str | None, now: int
    ) -> None:
        self.conn.execute(
            update(devices)
            .where(devices.c.devtid == dev_tid)
            .values(owner_uid=uid, device_name=name, desc=desc, bound_at=now)
        )

    def unbind_device(self, dev_tid: str) -> None:
        self.conn.execute(
            update(devices)
            .where(devices.c.devtid == dev_tid)
            .values(owner_uid=None, device_name=None, desc=None, bound_at=None)
        )

    def record_logins(self, logins: Sequence[tuple[str, int]]) -> None:
        self.conn.execute(
            update(devices)
            .where(devices.c.devtid == bindparam("dev_tid"))
            .values(last_login_time=bindparam("at")),
            [{"dev_tid": dev_tid, "at": at} for dev_tid, at in logins],
        )

    def device_infos(
        self, uid: str, offset: int, limit: int, dev_tid: str | None = None
    ) -> list[DeviceInfo]:
        """A page of the user's devices, oldest binding first, with the groups each is in."""
        query = (
            select(
                *_DEVICE_COLUMNS,
                devices.c.device_name,
                devices.c.desc,
                devices.c.work_mode_type,
                devices.c.last_login_time,
                products.c.name,
            )
            .select_from(devices.outerjoin(products, products.c.mid == devices.c.mid))
            .where(devices.c.owner_uid == uid)
            .order_by(devices.c.bound_at, devices.c.devtid)
            .offset(offset)
            .limit(limit)
        )
        if dev_tid is not None:
            query = query.where(devices.c.devtid == dev_tid)
        rows = self.conn.execute(query).all()
        memberships: dict[str, list[tuple[str, str]]] = {}
        if rows:
            found = self.conn.execute(
                select(group_members.c.devtid, groups.c.group_id, groups.c.name)
                .join(groups, groups.c.group_id == group_members.c.group_id)
                .where(
                    groups.c.owner_uid == uid,
                    group_members.c.devtid.in_([row[0] for row in rows]),
                )
                .order_by(groups.c.create_time, groups.c.group_id)
            )
            for devtid, group_id, group_name in found:
                memberships.setdefault(devtid, []).append((group_id, group_name))
        return [
            DeviceInfo(
                device=Device(*row[:5]),
                device_name=row[5],
                desc=row[6],
                work_mode_type=row[7],
                last_login_time=row[8],
                product_name=row[9],
                groups=tuple(memberships.get(row[0], ())),
            )
            for row in rows
        ]
