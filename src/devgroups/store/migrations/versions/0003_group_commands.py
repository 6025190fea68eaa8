"""group commands: results of group control, kept per group, and idempotency keys

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_commands",
        sa.Column("command_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.group_id"],
            name=op.f("fk_group_commands_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["uid"], ["users.uid"], name=op.f("fk_group_commands_uid_users")),
        sa.PrimaryKeyConstraint("command_id", name=op.f("pk_group_commands")),
    )
    with op.batch_alter_table("group_commands", schema=None) as batch_op:
        batch_op.create_index(
            "ix_group_commands_group_id_created_at", ["group_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_group_commands_uid_idempotency_key", ["uid", "idempotency_key"], unique=True
        )


def downgrade() -> None:
    op.drop_table("group_commands")
