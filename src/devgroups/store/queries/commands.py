"""Queries on group commands: their results and their idempotency keys."""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from devgroups.store.ports import CommandRecord
from devgroups.store.tables import group_commands


class CommandQueries:
    conn: Connection

    def keyed_command(self, uid: str, key: str) -> CommandRecord | None:
        row = self.conn.execute(
            select(
                group_commands.c.command_id,
                group_commands.c.group_id,
                group_commands.c.request_hash,
                group_commands.c.created_at,
                group_commands.c.result,
            ).where(group_commands.c.uid == uid, group_commands.c.idempotency_key == key)
        ).first()
        return CommandRecord(*row) if row else None

    def forget_key(self, uid: str, key: str) -> None:
        self.conn.execute(
            update(group_commands)
            .where(group_commands.c.uid == uid, group_commands.c.idempotency_key == key)
            .values(idempotency_key=None)
        )

    def insert_command(
        self, command_id: str, group_id: str, uid: str, key: str | None, hash_: str, now: int
    ) -> None:
        self.conn.execute(
            insert(group_commands).values(
                command_id=command_id,
                group_id=group_id,
                uid=uid,
                idempotency_key=key,
                request_hash=hash_,
                created_at=now,
            )
        )

    def finish_command(
        self, command_id: str, result: str, now: int, keep: int, key_ttl_ms: int
    ) -> None:
        """Store the result; keep the newest `keep` results of the group (and live keys)."""
        self.conn.execute(
            update(group_commands)
            .where(group_commands.c.command_id == command_id)
            .values(result=result, finished_at=now)
        )
        group_id = (
            select(group_commands.c.group_id)
            .where(group_commands.c.command_id == command_id)
            .scalar_subquery()
        )
        newest = (
            select(group_commands.c.command_id)
            .where(group_commands.c.group_id == group_id)
            .order_by(group_commands.c.created_at.desc(), group_commands.c.command_id.desc())
            .limit(keep)
        )
        self.conn.execute(
            delete(group_commands).where(
                group_commands.c.group_id == group_id,
                group_commands.c.command_id.not_in(newest),
                group_commands.c.result.is_not(None),
                or_(
                    group_commands.c.idempotency_key.is_(None),
                    group_commands.c.created_at < now - key_ttl_ms,
                ),
            )
        )

    def command(self, uid: str, group_id: str, command_id: str) -> CommandRecord | None:
        row = self.conn.execute(
            select(
                group_commands.c.command_id,
                group_commands.c.group_id,
                group_commands.c.request_hash,
                group_commands.c.created_at,
                group_commands.c.result,
            ).where(
                and_(
                    group_commands.c.command_id == command_id,
                    group_commands.c.group_id == group_id,
                    group_commands.c.uid == uid,
                )
            )
        ).first()
        return CommandRecord(*row) if row else None
