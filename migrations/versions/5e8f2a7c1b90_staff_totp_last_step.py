"""staff accounts remember the last TOTP time step accepted (each code logs in once)

Revision ID: 5e8f2a7c1b90
Revises: 7b3e91c0d4a2
Create Date: 2026-11-26 18:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5e8f2a7c1b90"
down_revision = "7b3e91c0d4a2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_accounts") as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("staff_accounts") as batch_op:
        batch_op.drop_column("totp_last_step")
