"""Queries on users and sessions."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from devgroups.domain.errors import UserExists
from devgroups.store.ports import RefreshRecord, UserRecord
from devgroups.store.tables import refresh_tokens, users


class AccountQueries:
    conn: Connection

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
