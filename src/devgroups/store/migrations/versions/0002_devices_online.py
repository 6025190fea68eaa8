"""products, and what the device API shows of a device

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("mid", sa.String(length=64), nullable=False),
        sa.Column("prodkey", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("mid", name=op.f("pk_products")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("desc", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column(
                "work_mode_type", sa.String(length=32), server_default="JSON_CTRL", nullable=False
            )
        )
        batch_op.add_column(sa.Column("bound_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("last_login_time", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("last_login_time")
        batch_op.drop_column("bound_at")
        batch_op.drop_column("work_mode_type")
        batch_op.drop_column("desc")
        batch_op.drop_column("device_name")
    op.drop_table("products")
