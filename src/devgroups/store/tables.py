"""The schema, as SQLAlchemy Core tables. Alembic migrations create and evolve it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("uid", String(32), primary_key=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # Bumped by every change to the user's groups: it serialises those changes and
    # tells readers whether a cached listing is still current.
    Column("groups_version", Integer, nullable=False, server_default="0"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("uid", String(32), ForeignKey("users.uid", ondelete="CASCADE"), nullable=False),
    Column("client_type", String(16), nullable=False),
    Column("isolation", String(32), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("revoked", Integer, nullable=False, server_default="0"),
)

products = Table(
    "products",
    metadata,
    Column("mid", String(64), primary_key=True),
    Column("prodkey", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("devtid", String(128), primary_key=True),
    Column("ctrlkey", String(128), nullable=False),
    Column("bindkey", String(128), nullable=False),
    Column("mid", String(64), nullable=False),
    Column("owner_uid", String(32), ForeignKey("users.uid"), nullable=True, index=True),
    Column("created_at", BigInteger, nullable=False),
    Column("device_name", String(128), nullable=True),
    Column("desc", String(128), nullable=True),
    Column("work_mode_type", String(32), nullable=False, server_default="JSON_CTRL"),
    Column("bound_at", BigInteger, nullable=True),
    Column("last_login_time", BigInteger, nullable=True),
)

groups = Table(
    "groups",
    metadata,
    Column("group_id", String(64), primary_key=True),
    Column("owner_uid", String(32), ForeignKey("users.uid"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("desc", String(128), nullable=False),
    Column("mid", String(64), nullable=False),
    Column("create_time", BigInteger, nullable=False),
    Column("update_time", BigInteger, nullable=True),
    Index("ix_groups_owner_uid_create_time", "owner_uid", "create_time"),
)

group_members = Table(
    "group_members",
    metadata,
    Column(
        "group_id",
        String(64),
        ForeignKey("groups.group_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("devtid", String(128), ForeignKey("devices.devtid"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

group_commands = Table(
    "group_commands",
    metadata,
    Column("command_id", String(64), primary_key=True),
    Column(
        "group_id",
        String(64),
        ForeignKey("groups.group_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("uid", String(32), ForeignKey("users.uid"), nullable=False),
    Column("idempotency_key", String(128), nullable=True),
    Column("request_hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
    # The whole result as the API answers it (JSON); NULL while the command runs.
    Column("result", Text, nullable=True),
    Index("ix_group_commands_group_id_created_at", "group_id", "created_at"),
    Index("uq_group_commands_uid_idempotency_key", "uid", "idempotency_key", unique=True),
)
