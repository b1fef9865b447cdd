"""check-in codes keep their QR image while they live

Revision ID: d5e2b7a9c310
Revises: b3a1f0c94e27
Create Date: 2026-11-26 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d5e2b7a9c310"
down_revision = "b3a1f0c94e27"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkin_codes") as batch_op:
        batch_op.add_column(sa.Column("qr_png", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("checkin_codes") as batch_op:
        batch_op.drop_column("qr_png")
