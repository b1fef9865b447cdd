"""failed staff logins counted by the name tried, real or not (no more telling real names apart)

Revision ID: e7c3d1f5a824
Revises: d5e2b7a9c310
Create Date: 2026-11-26 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e7c3d1f5a824"
down_revision = "d5e2b7a9c310"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("staff_accounts") as batch_op:
        batch_op.drop_column("failed_attempts")
        batch_op.drop_column("locked_until")


def downgrade():
    with op.batch_alter_table("staff_accounts") as batch_op:
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_table("login_failures")
