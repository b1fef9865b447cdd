"""relay posts, escalation, weekly digest

扶贫接力: series.relay and activities.relay (copied onto each occurrence); activities.escalated_at (staff were told
a need was still short of volunteers, once), with a partial index for the console's list; volunteers.digest_opt_in
(the weekly digest of open needs near home).

Revision ID: f2b8c4d6e3a0
Revises: f1d0a7c3b2e1
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f2b8c4d6e3a0"
down_revision = "f1d0a7c3b2e1"
branch_labels = None
depends_on = None

ESCALATED = sa.text("escalated_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table("series") as batch_op:
        batch_op.add_column(sa.Column("relay", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("activities") as batch_op:
        batch_op.add_column(sa.Column("relay", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_activities_escalated_at", ["escalated_at"], postgresql_where=ESCALATED, sqlite_where=ESCALATED
        )
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("digest_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_column("digest_opt_in")
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_index("ix_activities_escalated_at")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("relay")
    with op.batch_alter_table("series") as batch_op:
        batch_op.drop_column("relay")
