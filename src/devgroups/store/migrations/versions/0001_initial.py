"""initial schema: users, tokens, devices, groups

Revision ID: 0001
Revises:
Create Date: 2026-12-03 17:31:24.752429
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("groups_version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "devices",
        sa.Column("devtid", sa.String(length=128), nullable=False),
        sa.Column("ctrlkey", sa.String(length=128), nullable=False),
        sa.Column("bindkey", sa.String(length=128), nullable=False),
        sa.Column("mid", sa.String(length=64), nullable=False),
        sa.Column("owner_uid", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_uid"], ["users.uid"], name=op.f("fk_devices_owner_uid_users")
        ),
        sa.PrimaryKeyConstraint("devtid", name=op.f("pk_devices")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_owner_uid"), ["owner_uid"], unique=False)

    op.create_table(
        "groups",
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("owner_uid", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("desc", sa.String(length=128), nullable=False),
        sa.Column("mid", sa.String(length=64), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_uid"], ["users.uid"], name=op.f("fk_groups_owner_uid_users")
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_groups")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_groups_owner_uid_create_time", ["owner_uid", "create_time"], unique=False
        )

    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("client_type", sa.String(length=16), nullable=False),
        sa.Column("isolation", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["uid"], ["users.uid"], name=op.f("fk_refresh_tokens_uid_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("devtid", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["devtid"], ["devices.devtid"], name=op.f("fk_group_members_devtid_devices")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.group_id"],
            name=op.f("fk_group_members_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "devtid", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_devtid"), ["devtid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_devtid"))

    op.drop_table("group_members")
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index("ix_groups_owner_uid_create_time")

    op.drop_table("groups")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_owner_uid"))

    op.drop_table("devices")
    op.drop_table("users")
